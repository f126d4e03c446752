"""HTTP-level protections, wired by create_app(): security headers and CSP, the trusted-proxy
setting, per-IP rate limits and structured request logs with a request id.

- CSP allows this site only: no inline script or style, no CDN; images also as data: URIs (the
  QR code of the authenticator enrolment); frames only from this site (PDFs shown inline).
- Client addresses: request.remote_addr is the TCP peer unless TRUSTED_PROXIES reverse proxies
  are configured; then ProxyFix takes that many X-Forwarded-For entries from the right — the
  ones those proxies appended — and ignores whatever the client itself wrote before them.
- Rate limits per client address with Flask-Limiter on the endpoints that guessers target,
  and a blueprint's own limit where it asks for one ("rate_limited_blueprints": the API's
  per token, api/rate_limits.py).
  Counters live in RATELIMIT_STORAGE_URI (Redis in production, shared by every host).
- Input the database cannot hold is a bad request (400), never a 500: a NUL character in the
  query string or a form (PostgreSQL text cannot hold one, no browser form sends one), and a
  number beyond the column's range (PostgreSQL's DataError, SQLite's OverflowError); ids in
  URLs stop at the largest database integer, so a longer one is simply not found (404).
- One JSON line per request on the "proxy_service.request" logger. Only the path is logged
  (never the query string, the form, cookies or headers), so passwords, codes, CSRF tokens and
  session cookies cannot reach the logs.
"""
import json
import logging
import re
import time
import uuid

from flask import abort, current_app, g, render_template, request, session
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy.exc import DataError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.limiter_health import StorageHealth

CSP = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'self'",
    "form-action 'self'", "frame-ancestors 'self'",
))
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# (path, or path prefix ending in "/"; config key of the limit; methods limited, None = all)
RATE_LIMITED = (
    ("/login", "LOGIN_RATE_LIMIT", ["POST"]),
    ("/login/code", "LOGIN_RATE_LIMIT", ["POST"]),
    ("/login/enrol", "LOGIN_RATE_LIMIT", ["POST"]),
    ("/register", "REGISTER_RATE_LIMIT", ["POST"]),
    ("/verify", "VERIFY_RATE_LIMIT", None),
    ("/verify/", "VERIFY_RATE_LIMIT", None),
    ("/api/v1/verify", "VERIFY_RATE_LIMIT", None),   # the API's verify (api/verify.py)
)
# Flask-Limiter's settings for limits on every route; none is set here (see _init_rate_limits).
APP_WIDE_LIMITS = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")
request_log = logging.getLogger("proxy_service.request")
security_log = logging.getLogger("proxy_service.security")
LARGEST_ID = 2**31 - 1   # the integer primary keys on PostgreSQL
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")   # Unicode's control characters (Cc)

# The JSON API (proxy_service/api/): called by other systems with a token, never with the
# session cookie or the cookies the pages set (identity/api_tokens.py, i18n.select_locale).
API_PATH = "/api/"


class DatabaseIdConverter(IntegerConverter):
    """<int:...> in URLs: only numbers a primary key can hold (a longer one is not found)."""

    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def same_site_path(target):
    """`target` unchanged when it is a path on this site, else None: the one check of where a
    `next` or `back` parameter, or a stored link, may send the browser (an open redirect would
    help phishing).

    A path here starts with a single "/" and holds no backslash and no control character. A
    browser's URL parser (WHATWG) reads "\\" as "/" and drops tabs and newlines anywhere, so
    "/\\evil.example" and "/<tab>/evil.example" are "//evil.example" to it: another host; and
    a newline cannot even be sent in a Location header."""
    if (isinstance(target, str) and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and not _CONTROL.search(target)):
        return target
    return None


def bound_url_ids(app):
    """Call before the blueprints add their rules: the converter is chosen per rule then."""
    app.url_map.converters["int"] = DatabaseIdConverter


def init_app(app):
    """Call after the blueprints are registered (the limits wrap their view functions)."""
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # First of all before_request functions: even a refused request (CSRF) gets an id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.before_request(_refuse_nul)
    app.register_error_handler(DataError, _bad_input)
    app.register_error_handler(OverflowError, _bad_input)
    app.extensions["security_headers"] = _headers_of(app)
    app.after_request(_secure_headers)
    app.after_request(_log_request)
    _init_rate_limits(app)
    _init_logging(app)


def _secure_headers(response):
    # Every response pays this: the values are built once per app (init_app), and the names a
    # view set itself are looked up in one pass instead of one header scan per name.
    headers = response.headers
    present = {name.lower() for name, _value in headers}
    for key, name, value in current_app.extensions["security_headers"]:
        if key not in present:
            headers.add(name, value)
    headers["X-Request-ID"] = g.get("request_id", "")
    return response


def _headers_of(app):
    """(lowercase name, name, value) of the security headers of every response of `app`:
    HEADERS, and HSTS when configured."""
    headers = list(HEADERS.items())
    if app.config.get("HSTS_SECONDS"):
        headers.append(("Strict-Transport-Security",
                        f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"))
    return tuple((name.lower(), name, value) for name, value in headers)


# --- input the database cannot hold ---------------------------------------------------------

def _refuse_nul():
    # Only what the request carries: no query string, no parsing of it; no body type, no form
    # (Werkzeug parses a form only from a body with a content type).
    carried = ((request.args,) if request.query_string else ()) + (
        (request.form,) if request.content_type else ())
    for values in carried:
        if any("\x00" in value for _key, value in values.items(multi=True)):
            abort(400)


def _bad_input(error):
    db.session.rollback()
    security_log.warning(json.dumps({"event": "bad_input", "error": type(error).__name__,
                                     "path": request.path, "request_id": g.get("request_id")}))
    return render_template("errors/error.html", code=400, title=_l("请求有误"),
                           message=_l("提交的内容无法处理，请返回重试。")), 400


# --- request logs -----------------------------------------------------------------------------

def _start_request():
    # Our own id, never one a client sends: it must be trustworthy in the logs.
    g.request_id = uuid.uuid4().hex
    g.request_started = time.perf_counter()


def signed_in():
    """Whether a user is logged in on this request. A request whose session is empty (no
    cookie: the balancer's /healthz, static files, the API, a first visit) has nobody logged in,
    and answering that needs no user query; any other asks Flask-Login (which loads the user
    once per request)."""
    return bool(session) and current_user.is_authenticated


def _log_request(response):
    if not request_log.isEnabledFor(logging.INFO):
        return response
    started = g.get("request_started")
    user_id = None
    if request.endpoint != "static" and signed_in():   # no user query for files
        user_id = current_user.get_id()
    request_log.info(json.dumps({
        "time": clock.now().isoformat(timespec="milliseconds"),
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "user_id": int(user_id) if user_id else None,
        "ip": request.remote_addr,
        "endpoint": request.endpoint,
    }, ensure_ascii=False))
    return response


# Ours write their JSON themselves; a library's plain messages ("Rate limit storage
# unreachable - falling back to in-memory storage", "... recovered") are wrapped in JSON.
OWN_LOGGERS = ("proxy_service.request", "proxy_service.security", "proxy_service.database")
LIBRARY_LOGGERS = ("flask-limiter",)


def _init_logging(app):
    """Request and security events, database outages and the rate limiter's storage changes
    go to stderr as JSON lines unless the host configured logging itself (a handler on the
    logger or the root). SQL statements are never logged by level inheritance: their
    parameters hold password hashes and session tokens — only SQLALCHEMY_ECHO, a deliberate
    debugging switch, turns them on."""
    if not app.config.get("SQLALCHEMY_ECHO"):
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    for name in OWN_LOGGERS + LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not _has_handler(logger) and not logging.getLogger().handlers and not app.testing:
            handler = logging.StreamHandler()
            handler.setFormatter(JsonLine() if name in LIBRARY_LOGGERS
                                 else logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            # Written once, here: Flask puts its own handler on the app's "proxy_service"
            # logger (at the first unhandled exception), which would repeat every line.
            logger.propagate = False


def _has_handler(logger):
    # Flask-Limiter gives its logger a NullHandler, which writes nowhere.
    return any(not isinstance(h, logging.NullHandler) for h in logger.handlers)


class JsonLine(logging.Formatter):
    """A library's record as one JSON line beside ours; an exception by its type and text,
    without the traceback (the library logs it on every request while its storage is down)."""

    def format(self, record):
        line = {"time": clock.now().isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        return json.dumps(line, ensure_ascii=False)


# --- rate limits ------------------------------------------------------------------------------

def _init_rate_limits(app):
    # One Limiter per app, so that two apps in one process (tests) keep their own storage.
    limiter = Limiter(key_func=get_remote_address)
    hooks_before = _request_hooks(app)
    limiter.init_app(app)
    app.extensions["rate_limit_health"] = StorageHealth(limiter)   # for /healthz
    app.register_error_handler(429, _too_many_requests)
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    limited = set()   # endpoints and blueprints with a limit of their own
    for rule in app.url_map.iter_rules():
        for path, setting, methods in RATE_LIMITED:
            matches = rule.rule == path or (path.endswith("/") and rule.rule.startswith(path))
            if matches and rule.endpoint in app.view_functions:
                limit = limiter.limit(_configured(setting), methods=methods)
                app.view_functions[rule.endpoint] = limit(app.view_functions[rule.endpoint])
                limited.add(rule.endpoint)
                break
    # A blueprint's own limit over all its routes, keyed as it says (the API: per token).
    for name, setting, key_func, exempt_when in app.extensions.get("rate_limited_blueprints", ()):
        limiter.shared_limit(_configured(setting), scope=name, key_func=key_func,
                             exempt_when=exempt_when)(app.blueprints[name])
        limited.add(name)
    if not any(app.config.get(key) for key in APP_WIDE_LIMITS):
        _only_where_limited(app, hooks_before, limited)


def _request_hooks(app):
    return {kind: list(getattr(app, kind).get(None, ())) for kind in
            ("before_request_funcs", "after_request_funcs", "teardown_request_funcs")}


def _only_where_limited(app, hooks_before, limited):
    """Flask-Limiter's request hooks (the search for a request's limits before the view, the
    X-RateLimit headers after it, its per-request state at the end) cost every request what
    they cost a limited one. Here they run for the `limited` endpoints and blueprints only: the
    others have no limit to count or report, so no answer changes (tests/test_bruteforce.py
    and the API's limit tests hold the limits to what they were)."""
    def is_limited():
        return request.endpoint in limited or not limited.isdisjoint(request.blueprints)

    def before(hook):
        return lambda: hook() if is_limited() else None

    def after(hook):
        return lambda response: hook(response) if is_limited() else response

    def teardown(hook):
        return lambda error=None: hook(error) if is_limited() else None

    for kind, wrap in (("before_request_funcs", before), ("after_request_funcs", after),
                       ("teardown_request_funcs", teardown)):
        hooks = getattr(app, kind)[None]
        added = [hook for hook in hooks if hook not in hooks_before[kind]]   # the Limiter's
        for hook in added:
            hooks[hooks.index(hook)] = wrap(hook)


def _configured(setting):
    return lambda: current_app.config[setting]


def _too_many_requests(error):
    return render_template("errors/error.html", code=429, title=_l("请求过于频繁"),
                           message=_l("您的操作过于频繁，请稍等片刻后再试。")), 429
