"""Templates' `csrf_token()`: Flask-WTF's signed CSRF token, signed once per session.

Flask-WTF keeps a random raw token in the session and prints it signed (itsdangerous: key
derivation, HMAC-SHA1, base64, a timestamp), once per request: ~0.1–0.2 ms, and every page
prints it (the header's language switch and logout forms). With WTF_CSRF_TIME_LIMIT None
(config.py) a signed token never expires and is checked only against the session's raw token,
so the one signed first for a raw token is as good on every later page of that session: it is
kept here (per process, least recently used out) and given again. With a time limit configured
nothing is kept (a kept token would age past it), nor under another WTF_CSRF_FIELD_NAME.
Validation is Flask-WTF's, unchanged.

Forms built in a view (FlaskForm's hidden field) still sign through Flask-WTF; the request's
token is the same either way (Flask-WTF keeps it on `g`, which is read first here).
"""
from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

from proxy_service.core.lru import BoundedLru

KEPT = 4096   # sessions; a token and its key take ~0.3 KB
FIELD = "csrf_token"   # Flask-WTF's default WTF_CSRF_FIELD_NAME: its key in the session and on g
_signed = BoundedLru(KEPT)


def csrf_token():
    config = current_app.config
    if (config.get("WTF_CSRF_FIELD_NAME", FIELD) != FIELD
            or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None):
        return generate_csrf()
    if FIELD in g:
        return g.csrf_token
    raw = session.get(FIELD)
    if not isinstance(raw, str):
        return generate_csrf()
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    token = _signed.get((secret, raw))
    if token is None:
        token = generate_csrf()
        _signed.put((secret, raw), token)
    else:
        g.csrf_token = token   # where Flask-WTF looks first: one token for the request
    return token


_CONTEXT = {"csrf_token": csrf_token}


def init_app(app):
    """Call after CSRFProtect.init_app, which gives templates its own `csrf_token` as a global
    and in every template's context (a context processor): both are replaced."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: _CONTEXT)   # after Flask-WTF's: the later one wins
