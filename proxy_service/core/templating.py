"""Jinja filters: dates in Beijing time, numbers and amounts, each in the reader's language
(formats in i18n.py); file sizes. And what every page pays outside its view: templates'
`url_for`, which builds a URL without values once (url_for_once), and imports of macros
without a set difference each (PageTemplate)."""
from decimal import Decimal

from flask import has_request_context, request

from proxy_service.core import i18n
from proxy_service.core.render_translations import BoundTemplate


def wan(value):
    """An amount in 万元, without trailing zeros: 12000.5000 → 12,000.5 (PDFs: always this form)."""
    if value is None:
        return ""
    text = f"{Decimal(value):,.4f}".rstrip("0").rstrip(".")
    return text


def filesize(size):
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024


TEMPLATE_FILTERS = {"beijing": i18n.beijing, "day": i18n.day, "wan": i18n.number,
                    "investment": i18n.investment, "time_limit": i18n.time_limit,
                    "filesize": filesize}


# Enough for every endpoint and static file the templates name; never reached in practice.
URLS_KEPT = 2048


def url_for_once(app):
    """`url_for` for templates: a URL of an endpoint without values (the navigation's), or of a
    static file, is the same for every request under one script root, so each is built once
    per process (~8 µs a call, 15–30 calls a page). Everything else — values, a relative
    endpoint (".x"), `_external` and the other options, no request (mail rendered by a cron
    job) — is built by Flask's url_for every time. The app's one url_defaults (a static file's
    `v`, core/static_files.py) does not depend on the request either."""
    build, built = app.url_for, {}

    def url_for(endpoint, /, **values):
        if not has_request_context() or endpoint.startswith(".") or (
                values and (endpoint != "static" or values.keys() != {"filename"})):
            return build(endpoint, **values)
        key = (request.script_root, endpoint, values.get("filename"))
        url = built.get(key)
        if url is None:
            url = build(endpoint, **values)
            if len(built) >= URLS_KEPT:
                built.clear()
            built[key] = url
        return url
    return url_for


class PageTemplate(BoundTemplate):
    """The app's template class (render_translations.BoundTemplate's binding of translations)."""

    def _get_default_module(self, ctx=None):
        # For every `{% from "macros/x.html" import y %}` Jinja works out which globals of the
        # importing template the imported one lacks (were there any, it would run the macros'
        # module again): a set difference against a ChainMap, ~25 µs an import and several
        # imports a page. Templates here have no globals of their own, so when the
        # environment's globals hold every one the importer has — a test in C — there are none,
        # and Jinja serves its cached module, as it would after the difference.
        globals_ = self.globals
        if (ctx is not None and not getattr(globals_, "maps", (True,))[0]
                and self.environment.globals.keys() >= ctx.globals_keys):
            ctx = None
        return super()._get_default_module(ctx)
