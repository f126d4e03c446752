"""Per-account lockout against password and code guessing (ASVS 2.2.1).

The counter and the lock live in the users table and change by single UPDATE statements
(count + 1 computed by the database), so every worker on every host sees and adds to the same
count. LOGIN_MAX_FAILURES failures in a row lock the account for LOGIN_LOCK_MINUTES; while it
is locked even the right password is refused, with the same message as a wrong one, so that
a guesser learns nothing. Callers commit (at once: the count must survive the refused request).
"""
import json
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, literal, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import User
from proxy_service.models.types import UTCDateTime

log = logging.getLogger("proxy_service.security")
_dummy_hashes = {}


def security_event(event, **fields):
    """One JSON line on the security log: who and what, never a secret."""
    log.info(json.dumps({"event": event, **fields}, ensure_ascii=False, default=str))


def authenticate(username, password):
    """The active user with these credentials, or None — for an unknown name, a wrong password,
    an inactive account or a locked one alike. A wrong password counts as a failure."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        _spend_the_same_time(password)
        security_event("login_failed", username=username, reason="unknown")
        return None
    if user.service:   # a center's service user (its tokens act as it) never logs in, and
        _spend_the_same_time(password)   # no failure is counted: a lock would stop the tokens
        security_event("login_failed", user_id=user.id, reason="service")
        return None
    if is_locked(user):
        security_event("login_failed", user_id=user.id, reason="locked")
        return None
    if not user.check_password(password):
        record_failure(user)
        return None
    if not user.active:
        security_event("login_failed", user_id=user.id, reason="inactive")
        return None
    return user


def _spend_the_same_time(password):
    # Hash anyway, so that an unknown name answers as slowly as a wrong password.
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-password", method=method)
    check_password_hash(_dummy_hashes[method], password)


def is_locked(user):
    return user.locked_until is not None and user.locked_until > clock.now()


def record_failure(user):
    """Count one failed password or code; the failure that reaches the limit locks the account
    and starts a new count."""
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    until = literal(clock.now() + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"]),
                    UTCDateTime())
    reaches = User.failed_logins + 1 >= limit
    db.session.execute(
        update(User).where(User.id == user.id)
        .values(failed_logins=case((reaches, 0), else_=User.failed_logins + 1),
                locked_until=case((reaches, until), else_=User.locked_until))
        .execution_options(synchronize_session=False))
    db.session.expire(user, ["failed_logins", "locked_until"])
    locked = is_locked(user)
    security_event("account_locked" if locked else "login_failed", user_id=user.id,
                   reason="bad_credentials")
    return locked


def record_success(user):
    """A complete login (password and, where needed, code) clears the count."""
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins = 0
        user.locked_until = None
    security_event("login", user_id=user.id)
