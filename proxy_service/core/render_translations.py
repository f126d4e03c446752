"""The request's translations, found once per request (or template render) instead of once
per message.

Flask-Babel finds the translations anew for every message it translates: the request's
namespace on `g` (several Werkzeug proxy lookups), the locale, the catalogue cache keyed by
`str(locale)` — ~45 µs, and a page prints ~200 messages and as many lazy labels (issue 18).
Here they are found once and bound in a context variable:

- `RenderDomain`, Flask-Babel's domain, binds them at the first lookup of a request and answers
  every later one from the binding: `gettext` in Python, lazy texts (status labels, form
  labels: `lazy_gettext`) wherever they are printed. The binding ends with the request
  (`request_started` and `teardown_request` clear it);
- `BoundTemplate.render` (the Jinja environment's template class) binds them for the duration
  of a render outside a request too (cron jobs rendering mail);
- `JINJA_CALLABLES` (`gettext`, `_`, `ngettext`, `pgettext`, `npgettext`) read the binding;
  they are the "newstyle" callables Jinja's i18n extension installs, with the same output:
  the message escaped when autoescaping, then always %-formatted with the keyword arguments.
  Being globals, they serve every template alike: included ones, macros imported with or
  without context.

A binding holds only while its locale is still the request's: `force_locale` (a notification
in its recipient's language, a record in Chinese) and `refresh()` replace the locale object on
Flask-Babel's request namespace, and until it is back every lookup is Flask-Babel's own (and
binds anew).
"""
from contextvars import ContextVar
from typing import NamedTuple

from babel import support
from flask import has_request_context, request, request_started
from flask_babel import Domain, get_locale, get_translations

# Flask-Babel 4 (pinned) keeps the request's locale on this namespace; reading the namespace
# once per render is what spares the proxy lookups per message.
from flask_babel import _get_current_context as _babel_namespace
from jinja2 import Template, pass_eval_context
from markupsafe import Markup
from wtforms.i18n import messages_path


class _Binding(NamedTuple):
    namespace: object      # Flask-Babel's namespace of the request (on `g`)
    locale: object         # the babel.Locale the render started with
    translations: object


_binding = ContextVar("render_translations", default=None)


def bound():
    """The binding (of the request, or of the render in progress) while its locale is still
    the current one, else None."""
    binding = _binding.get()
    if binding is not None and getattr(binding.namespace, "babel_locale", None) is binding.locale:
        return binding
    return None


def translations():
    """The translations of the current locale: the bound ones, else Flask-Babel's lookup
    (which binds, in a request)."""
    binding = bound()
    return binding.translations if binding is not None else get_translations()


def current_locale():
    """The current babel.Locale (None outside a request), as flask_babel.get_locale."""
    binding = bound()
    if binding is None:
        get_translations()    # binds, in a request
        binding = bound()
    return binding.locale if binding is not None else get_locale()


def _bind():
    namespace = _babel_namespace()
    if namespace is None:     # no app context: Flask-Babel's null translations, per message
        return None
    locale = get_locale()     # stores it on the namespace, which bound() compares against
    return _Binding(namespace, locale, get_translations())


def _unbind(*_args, **_kwargs):
    _binding.set(None)


class BoundTemplate(Template):
    """A template whose render binds the translations (see the module docstring)."""

    def render(self, *args, **kwargs):
        token = _binding.set(bound() or _bind())
        try:
            return super().render(*args, **kwargs)
        finally:
            _binding.reset(token)


class RenderDomain(Domain):
    """Flask-Babel's message domain, answering from the binding; its first lookup in a
    request binds."""

    def get_translations(self):
        binding = bound()
        if binding is not None:
            return binding.translations
        translations = super().get_translations()
        if has_request_context():
            _binding.set(_Binding(_babel_namespace(), get_locale(), translations))
        return translations


# --- the Jinja callables (jinja2.ext's newstyle gettext, bound to `translations()`) ---------

def _format(eval_ctx, text, variables):
    if eval_ctx.autoescape:
        text = Markup(text)
    # Always a format string, as Jinja's newstyle gettext ("%%" prints "%"); without variables
    # and without "%" formatting would return the text unchanged.
    return text % variables if variables or "%" in text else text


@pass_eval_context
def gettext(eval_ctx, string, /, **variables):
    return _format(eval_ctx, translations().ugettext(string), variables)


@pass_eval_context
def ngettext(eval_ctx, singular, plural, num, /, **variables):
    variables.setdefault("num", num)
    return _format(eval_ctx, translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def pgettext(eval_ctx, context, string, /, **variables):
    variables.setdefault("context", context)
    return _format(eval_ctx, translations().upgettext(context, string), variables)


@pass_eval_context
def npgettext(eval_ctx, context, singular, plural, num, /, **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _format(eval_ctx, translations().unpgettext(context, singular, plural, num),
                   variables)


JINJA_CALLABLES = {"gettext": gettext, "_": gettext, "ngettext": ngettext,
                   "pgettext": pgettext, "npgettext": npgettext}


# --- wtforms' own messages ("Field cannot be longer than …") -----------------------------
# Flask-WTF loads wtforms' catalogue from disk in every request that builds a form (~0.3 ms),
# unless the request carries one as `request.wtforms_translations`: each request gets
# WTFORMS_CATALOGUE, which answers from the catalogue of the current locale, loaded once.
_wtforms_catalogues = {}


class _WtformsCatalogue:
    def ugettext(self, string):
        return _wtforms_catalogue().ugettext(string)

    def ungettext(self, singular, plural, n):
        return _wtforms_catalogue().ungettext(singular, plural, n)


def _wtforms_catalogue():
    locale = current_locale()
    key = str(locale)
    if key not in _wtforms_catalogues:
        _wtforms_catalogues[key] = support.Translations.load(messages_path(), [locale],
                                                             domain="wtforms")
    return _wtforms_catalogues[key]


WTFORMS_CATALOGUE = _WtformsCatalogue()


def _hand_wtforms_its_catalogue():
    request.wtforms_translations = WTFORMS_CATALOGUE


def init_app(app):
    """Use the bound callables and template class, end the binding with each request, and
    hand Flask-WTF the loaded wtforms catalogue; call after Flask-Babel's init_app (which
    installs its own callables), before the first template loads."""
    app.jinja_env.template_class = BoundTemplate
    app.jinja_env.globals.update(JINJA_CALLABLES)
    request_started.connect(_unbind, app)
    app.teardown_request(_unbind)
    app.before_request(_hand_wtforms_its_catalogue)
