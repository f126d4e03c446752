"""The interface language: Chinese by default, English as a second language.

Who decides the language of a page, first match wins:
  1. the logged-in user's choice, stored on the account (users.locale);
  2. the choice made on this browser (the `locale` cookie, which outlives logins, so a
     visitor who picked English on the login page keeps it);
  3. the browser's Accept-Language;
  4. Chinese.
The JSON API (API_PATH) reads Accept-Language alone: its callers send no cookie.
The switch in the header posts to /language, which sets the cookie and, for a logged-in
user, the account's choice.

What is written down stays Chinese whatever the reader's language: generated PDFs (legal
documents, documents/) and the texts composed for the audit log (`in_record_language`).
Notifications are written in the recipient's language (`recipient_locale`).
"""
from contextlib import contextmanager
from decimal import Decimal

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import Blueprint, abort, current_app, has_request_context, redirect, request, url_for
from flask_babel import force_locale, ngettext, refresh
from flask_babel import gettext as _
from flask_login import current_user

from proxy_service.core.clock import BEIJING
from proxy_service.core.extensions import db
from proxy_service.core.render_translations import current_locale
from proxy_service.core.security import API_PATH, same_site_path

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
# The language of records: PDFs, audit comments, notifications to users who chose nothing.
RECORD_LOCALE = DEFAULT_LOCALE
COOKIE = "locale"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Accept-Language tags we answer; any Chinese variant gets the (simplified) Chinese interface.
_BROWSER_TAGS = {"zh_CN": "zh_CN", "zh": "zh_CN", "en": "en"}

bp = Blueprint("i18n", __name__)


def request_locale():
    """Flask-Babel's locale selector: select_locale's choice as a babel.Locale, parsed once per
    process (Flask-Babel parses a code anew for every request, ~40 µs; a Locale it takes as is)."""
    return _PARSED[select_locale()]


def select_locale():
    """The code of the request's language (see the module docstring for the order)."""
    if not has_request_context():
        return DEFAULT_LOCALE    # cron jobs and commands: callers force the recipient's locale
    if request.path.startswith(API_PATH):   # another system: its Accept-Language alone
        return _from_browser()
    if current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    return _from_browser()


def _from_browser():
    best = request.accept_languages.best_match(list(_BROWSER_TAGS))
    return _BROWSER_TAGS.get(best, DEFAULT_LOCALE)


def recipient_locale(user):
    """The language of what is sent to `user`: their choice, else Chinese."""
    return user.locale if user.locale in LOCALES else DEFAULT_LOCALE


@contextmanager
def record_language():
    """Compose text that is stored or printed (PDFs, audit comments) in Chinese."""
    with force_locale(RECORD_LOCALE):
        yield


def in_record_language(text):
    """`text` (a lazy message or label) as the record stores it: in Chinese."""
    with record_language():
        return str(text)


def is_chinese():
    locale = current_locale()
    return locale is None or locale.language == "zh"


def join_list(items):
    """Items joined with the language's list separator (、 in Chinese)."""
    # TRANSLATORS: the separator between the items of a list, like "A、B、C".
    return _("、").join(str(item) for item in items)


# --- the switch --------------------------------------------------------------------

@bp.post("/language")
def switch():
    """Remember the chosen language (a POST from the header's form) and go back."""
    chosen = request.form.get("locale")
    if chosen not in LOCALES:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = chosen
        db.session.commit()
    refresh()
    response = redirect(same_site_path(request.form.get("next")) or url_for("auth.home"))
    response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.after_app_request
def _language_headers(response):
    # The same URL answers in either language: caches must keep the copies apart.
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.headers.setdefault("Content-Language", html_lang())
    return response


def languages():
    """(code, name in its own language, BCP 47 tag) of every interface language."""
    return _LANGUAGES


def html_lang(code=None):
    """The BCP 47 tag for <html lang> and lang attributes: zh-CN, en (of the page by default)."""
    return (code or current_code()).replace("_", "-")


_PARSED = {code: Locale.parse(code) for code in LOCALES}
# Worked out once: every page's header names the other language (~18 µs a page otherwise).
_LANGUAGES = tuple((code, Locale.parse(code).get_language_name(), html_lang(code))
                   for code in LOCALES)


def current_code():
    """The page's language as one of LOCALES (Babel itself spells zh_CN "zh_Hans_CN")."""
    locale = current_locale()
    if locale is None:
        return DEFAULT_LOCALE
    return next((code for code in LOCALES if code.split("_")[0] == locale.language), DEFAULT_LOCALE)


# --- formats -----------------------------------------------------------------------
# Chinese keeps the ISO forms people here read on every government site (2026-11-27);
# English gets day, month name and year (27 Nov 2026), which no reader can misread.
_PATTERNS = {
    "zh": {"date": "yyyy-MM-dd", "short": "MM-dd", "month": "yyyy-MM", "minutes": "yyyy-MM-dd HH:mm",
           "seconds": "yyyy-MM-dd HH:mm:ss", "time": "HH:mm"},
    "en": {"date": "d MMM yyyy", "short": "d MMM", "month": "MMM yyyy", "minutes": "d MMM yyyy, HH:mm",
           "seconds": "d MMM yyyy, HH:mm:ss", "time": "HH:mm"},
}


def _locale():
    return current_locale() or Locale.parse(DEFAULT_LOCALE)


def _pattern(style):
    if style.startswith("%"):     # a strftime format from an older template: its nearest style
        style = "seconds" if "%S" in style else "minutes" if "%H" in style else "date"
    locale = _locale()
    return locale, _PATTERNS.get(locale.language, _PATTERNS["zh"])[style]


def day(value, style="date"):
    """A date (or the date part of a datetime as given): style date, short (no year) or month."""
    if not value:
        return ""
    locale, pattern = _pattern(style)
    return format_date(value, pattern, locale=locale)


def beijing(value, style="minutes"):
    """An aware datetime in Beijing time: style minutes, seconds, time (of day) or date."""
    if not value:
        return ""
    local = value.astimezone(BEIJING)
    if style in ("date", "short", "month"):
        return day(local.date(), style)
    locale, pattern = _pattern(style)
    return format_datetime(local, pattern, tzinfo=BEIJING, locale=locale)


def number(value):
    """A decimal without trailing zeros, grouped per locale: 12000.5000 → 12,000.5."""
    if value is None:
        return ""
    return format_decimal(Decimal(value), "#,##0.####", locale=_locale())


def investment(value):
    """An amount stored in 万元. Chinese readers get 万元 (12,000.5 万元); English readers the
    amount in yuan with the ISO code (CNY 120,005,000): "ten thousand yuan" is no unit in
    English. Four decimals of 万元 are whole yuan, so nothing is rounded."""
    if value is None:
        return ""
    if is_chinese():
        return _("%(amount)s 万元", amount=number(value))
    return format_currency(Decimal(value) * 10000, "CNY", "¤¤ #,##0.##", locale=_locale(),
                           currency_digits=False)


def time_limit(value, unit):
    """A time limit with its unit (a LimitUnit): 5 工作日; 1 working day, 5 calendar days."""
    if value is None:
        return ""
    if getattr(unit, "value", unit) == "calendar_day":
        return ngettext("%(num)s 自然日", "%(num)s 自然日", value)
    return ngettext("%(num)s 工作日", "%(num)s 工作日", value)


TEMPLATE_GLOBALS = {"languages": languages, "html_lang": html_lang, "join_list": join_list}
