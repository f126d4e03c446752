"""Who calls the JSON API: the personal access token in `Authorization: Bearer`, never the
session cookie (so no CSRF there), and the pages never read `Authorization`.

    token = authenticated_token(request.headers.get("Authorization"), request.remote_addr)

A token is good while it is neither revoked nor expired, its user is active and the account is
not locked. Losing the account's trust revokes the user's tokens for good (`revoke_all`):
deactivation (workflow/accounts.py), a new password (sessions.py), erasure
(workflow/personal_data.py). A lockout after failed logins only holds them back while it lasts:
anyone who knows a username can cause one, and it must not cut off an integration for good.
"""
import hmac
import time

from flask import request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from sqlalchemy import select

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.core.lru import BoundedLru
from proxy_service.core.security import API_PATH
from proxy_service.identity import lockout
from proxy_service.models import ApiToken, AuditEvent
from proxy_service.models.api_tokens import SECRET_PREFIX, secret_hash

BEARER = "bearer "
OPENED_KEPT = 2048   # session cookies verified and kept (each ~1 KB with its data)


def bearer_secret(header):
    """The secret of an `Authorization: Bearer psk_…` header, else None."""
    if not header or header[:len(BEARER)].lower() != BEARER:
        return None
    secret = header[len(BEARER):].strip()
    return secret if secret.startswith(SECRET_PREFIX) and len(secret) < 200 else None


def authenticated_token(header, address):
    """The live token the header carries, its use noted; None when there is none."""
    secret = bearer_secret(header)
    if secret is None:
        return None
    digest = secret_hash(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_sha256 == digest))
    # The lookup is by the hash; comparing again in constant time costs nothing.
    if token is None or not hmac.compare_digest(token.secret_sha256, digest):
        return None
    if not token.live or not token.user.active or lockout.is_locked(token.user):
        return None
    _note_use(token, address)
    return token


def _note_use(token, address):
    """last_used_at/ip, at most once a minute (models.api_tokens.USE_NOTED_EVERY), committed
    now: a refused request after this must not undo it, and a read needs no transaction."""
    now = clock.now()
    if token.use_is_news(now):
        token.last_used_at, token.last_used_ip = now, (address or "")[:45]
        db.session.commit()


def live_tokens(user):
    return db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > clock.now()).order_by(ApiToken.id)).all()


def revoke(token, actor, reason="", action="api_token_revoke"):
    """Revoke one token, audited on its user (in Chinese); flushes, never commits."""
    token.revoked_at = clock.now()
    # i18n-keep: an audit record (Chinese whatever the actor's language)
    comment = f"{token.name}（{token.hint}…）" + (f"：{in_record_language(reason)}" if reason else "")
    db.session.add(AuditEvent.record(actor, token.user, action, comment=comment))
    db.session.flush()


def revoke_all(user, actor, reason):
    """Revoke every live token of `user`, each audited with `reason` (why the account is no
    longer trusted)."""
    for token in live_tokens(user):
        revoke(token, actor, reason)


class PagesOnlySessionInterface(SecureCookieSessionInterface):
    """The session cookie for the pages only: under API_PATH a request starts with an empty
    session, whatever cookie it sends, and no cookie is set on the answer.

    A cookie whose signature was verified is remembered (OPENED_KEPT of them, least recently
    used out, keyed by the cookie and the secret keys): the same cookie again — a user's pages
    while the session does not change (sessions.SEEN_EVERY_SECONDS) — opens without verifying,
    decompressing and parsing it again (~0.2 ms). Its age is still checked against the session
    lifetime as itsdangerous checks it, and each request gets its own copy of the data."""

    def __init__(self):
        self._opened = BoundedLru(OPENED_KEPT)

    def open_session(self, app, request):
        # Without the cookie the session is empty: no need to build its signer (the balancer's
        # /healthz, static files and a first visit come without one).
        name = self.get_cookie_name(app)
        if request.path.startswith(API_PATH) or not request.cookies.get(name):
            return self.session_class()
        cookie = request.cookies[name]
        key = (cookie, app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        max_age = int(app.permanent_session_lifetime.total_seconds())
        opened = self._opened.get(key)
        if opened is not None and 0 <= int(time.time()) - opened[1] <= max_age:
            return self.session_class(_copy(opened[0]))
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        self._opened.put(key, (_copy(data), int(signed_at.timestamp())))
        return self.session_class(data)

    def save_session(self, app, session, response):
        if request.path.startswith(API_PATH):
            return None
        if not session.modified and not (session.permanent
                                         and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            # Flask's own answer for a session left alone (no cookie to set or delete), without
            # first working out the cookie's domain, path and flags it then does not use.
            if session.accessed:
                response.vary.add("Cookie")
            return None
        return super().save_session(app, session, response)


def _copy(value):
    """A session's data as its JSON serializer gives it, with every dict and list copied (a
    request changing a nested value must not change the kept one); the rest — strings,
    numbers, datetimes — cannot be changed in place."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copy(item) for item in value)
    return value
