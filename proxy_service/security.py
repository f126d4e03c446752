"""HTTP-level protections, wired by create_app(): security headers and CSP, the trusted-proxy
setting, per-IP rate limits and structured request logs with a request id.

- CSP allows this site only: no inline script or style, no CDN; images also as data: URIs (the
  QR code of the authenticator enrolment); frames only from this site (PDFs shown inline).
- Client addresses: request.remote_addr is the TCP peer unless TRUSTED_PROXIES reverse proxies
  are configured; then ProxyFix takes that many X-Forwarded-For entries from the right — the
  ones those proxies appended — and ignores whatever the client itself wrote before them.
- Rate limits per client address with Flask-Limiter on the endpoints that guessers target.
  Counters live in RATELIMIT_STORAGE_URI (Redis in production, shared by every host).
- One JSON line per request on the "proxy_service.request" logger. Only the path is logged
  (never the query string, the form, cookies or headers), so passwords, codes, CSRF tokens and
  session cookies cannot reach the logs.
"""
import json
import logging
import time
import uuid
from flask import current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from . import clock

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
)
request_log = logging.getLogger("proxy_service.request")


def init_app(app):
    """Call after the blueprints are registered (the limits wrap their view functions)."""
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    # First of all before_request functions: even a refused request (CSRF) gets an id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_secure_headers)
    app.after_request(_log_request)
    _init_rate_limits(app)
    _init_logging(app)


def _secure_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("HSTS_SECONDS"):
        response.headers["Strict-Transport-Security"] = (
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains")
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


# --- request logs -----------------------------------------------------------------------------

def _start_request():
    # Our own id, never one a client sends: it must be trustworthy in the logs.
    g.request_id = uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response):
    from flask_login import current_user

    started = g.get("request_started")
    user_id = None
    if request.endpoint != "static" and current_user.is_authenticated:   # no user query for files
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


def _init_logging(app):
    """Request and security events go to stderr as JSON lines unless the host configured
    logging itself (a handler on the logger or the root). SQL statements are never logged
    by level inheritance: their parameters hold password hashes and session tokens — only
    SQLALCHEMY_ECHO, a deliberate debugging switch, turns them on."""
    if not app.config.get("SQLALCHEMY_ECHO"):
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    for name in ("proxy_service.request", "proxy_service.security"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not logger.handlers and not logging.getLogger().handlers and not app.testing:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)


# --- rate limits ------------------------------------------------------------------------------

def _init_rate_limits(app):
    # One Limiter per app, so that two apps in one process (tests) keep their own storage.
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    app.register_error_handler(429, _too_many_requests)
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    for rule in app.url_map.iter_rules():
        for path, setting, methods in RATE_LIMITED:
            matches = rule.rule == path or (path.endswith("/") and rule.rule.startswith(path))
            if matches and rule.endpoint in app.view_functions:
                limit = limiter.limit(_configured(setting), methods=methods)
                app.view_functions[rule.endpoint] = limit(app.view_functions[rule.endpoint])
                break


def _configured(setting):
    return lambda: current_app.config[setting]


def _too_many_requests(error):
    return render_template("errors/error.html", code=429, title=_l("请求过于频繁"),
                           message=_l("您的操作过于频繁，请稍等片刻后再试。")), 429
