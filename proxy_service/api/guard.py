"""Who is calling: the token in `Authorization: Bearer`, checked before every API view (401
without a live one), and the scope each view needs (403 without it). The session cookie is
never read here (identity/api_tokens.PagesOnlySessionInterface), so there is nothing for a
forged cross-site request to ride on, and the blueprint needs no CSRF token. A view marked
`public` (POST /verify) is answered without one."""
from functools import wraps

from flask import abort, g, request

from proxy_service.api import bp
from proxy_service.core.downloads import REVALIDATE
from proxy_service.identity.api_tokens import authenticated_token

SECURITY_SCHEME = "token"
TOKEN_KEY = "proxy_service.api_token"


# Views anyone may call, without a token (public below): the guard lets them through.
PUBLIC_ENDPOINTS = set()


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if calling_token() is None:
        abort(401)


def calling_token():
    """The live token of this request, or None; looked up once per request (the rate limit's
    key, rate_limits.py, asks before the blueprint's own checks run). Kept in the request's
    environ: `g` outlives a request where the app context does (a test's)."""
    if TOKEN_KEY not in request.environ:
        request.environ[TOKEN_KEY] = authenticated_token(request.headers.get("Authorization"),
                                                         request.remote_addr)
    g.api_token = request.environ[TOKEN_KEY]
    return g.api_token


@bp.after_request
def not_stored(response):
    # A stored file sent with its ETag may be kept and revalidated (core/downloads.py).
    if response.headers.get("Cache-Control") != REVALIDATE:
        response.headers["Cache-Control"] = "no-store"
    return response


def caller():
    """The user the token acts as: every permissions loader and verb gets this one."""
    return g.api_token.user


def token():
    return g.api_token


def scope_required(scope):
    """The view needs `scope` on the token (403 otherwise); the contract says so."""
    def decorator(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if not g.api_token.allows(scope):
                abort(403)
            return view(*args, **kwargs)
        return bp.doc(security=[{SECURITY_SCHEME: [scope]}])(checked)
    return decorator


def public(view):
    """The view needs no token (and reads none); the contract says `security: []`."""
    PUBLIC_ENDPOINTS.add(f"{bp.name}.{view.__name__}")
    return bp.doc(security=[])(view)
