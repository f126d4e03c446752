"""Login sessions (ASVS V3).

The session cookie is Flask's signed cookie, so the server cannot delete a copy someone kept.
Instead each user has a `session_token` that every session carries and the user loader
compares: logging in, logging out and changing the password replace the token, and every
older cookie — in this browser or any other — stops being a login at once. One account has
one live session at a time.

Besides, a session ends after STAFF_IDLE_MINUTES / ENTERPRISE_IDLE_MINUTES without a request
and SESSION_ABSOLUTE_HOURS after the login, reckoned on the app clock.

Between the password and the one-time code the session holds only a short-lived "pending"
marker; nothing else is reachable until the code is given.
"""
import hmac
from functools import cache

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, with_expression

from proxy_service.core import clock
from proxy_service.core.extensions import db, login_manager
from proxy_service.core.security import signed_in
from proxy_service.identity import api_tokens, lockout, twofactor
from proxy_service.models import Notification, Role, User

PENDING_KEY = "_2fa_pending"
PENDING_SECONDS = 300
# The idle clock (`_seen`) restarts at most this often: a request within it of the last noted
# one leaves the session unchanged, so the cookie is not signed and sent again with every page.
# A session may thus end up to this much before its idle limit, never after.
SEEN_EVERY_SECONDS = 60


def _now():
    return clock.now().timestamp()


def start(user):
    """A fresh session for a fully authenticated user: nothing from before survives."""
    session.clear()
    user.rotate_session_token()
    login_user(user)
    session["_sid"] = user.session_token
    session["_login_at"] = session["_seen"] = _now()


def after_password(user, next_url=None):
    """Where a user whose password was just proven goes: the one-time-code step (or the
    enrolment) when they need one, else straight in with a new session (finish_login)."""
    if twofactor.needs_code(user):
        begin_pending(user, next_url)
        return url_for("auth.login_code" if twofactor.enrolled(user) else "auth.enrol")
    return finish_login(user, next_url)


def finish_login(user, next_url=None):
    """The login is complete: clear the failure count, start the session and commit it (the
    new session token must be stored before the cookie carrying it is sent). Returns where to
    go: `next_url` (a same-site path), else the user's start page."""
    lockout.record_success(user)
    start(user)
    db.session.commit()
    return next_url or url_for("auth.home")


def change_password(user, new_password):
    """Set the password and commit: set_password() replaces the session token, so this
    session continues (it takes the new token) and every other one is over."""
    user.set_password(new_password)
    session["_sid"] = user.session_token
    api_tokens.revoke_all(user, user, _l("修改登录密码"))
    db.session.commit()
    lockout.security_event("password_changed", user_id=user.id)


def end():
    """Log out here and everywhere: the old token is replaced before the cookie is cleared."""
    if current_user.is_authenticated:
        current_user.rotate_session_token()
        db.session.commit()
    logout_user()
    session.clear()


def begin_pending(user, next_url):
    """The password was right; the code is still to come."""
    session.clear()
    session[PENDING_KEY] = {"uid": user.id, "sid": user.session_token, "at": _now(),
                            "next": next_url}


def pending_user():
    """The user between password and code, or None when there is none or it went stale."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or _now() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("uid"))
    if user is None or not user.active or user.session_token != pending.get("sid"):
        return None
    return user


def pending_next():
    pending = session.get(PENDING_KEY)
    return pending.get("next") if isinstance(pending, dict) else None


def clear_pending():
    session.pop(PENDING_KEY, None)


@cache
def _user_statement():
    # The user with what the header of every page shows of them, in one statement: the center
    # (the menu's heading) and the unread notifications (the bell: notifications.inbox). Read
    # afresh even when the session's identity map holds the user (a test's app context).
    # Built at the first user load, once the mappers are configured.
    unread = Notification.unread_of(User.id).correlate(User).scalar_subquery()
    return (select(User).options(joinedload(User.center),
                                 with_expression(User.unread_notifications, unread))
            .where(User.id == bindparam("user_id")).execution_options(populate_existing=True))


def load_user(user_id):
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    user = db.session.scalar(_user_statement(), {"user_id": user_id})
    if user is None or not user.active or not user.session_token or user.service:
        return None
    if not hmac.compare_digest(str(session.get("_sid", "")), user.session_token):
        return None
    return user


def idle_limit_seconds(user):
    key = "ENTERPRISE_IDLE_MINUTES" if user.role is Role.ENTERPRISE else "STAFF_IDLE_MINUTES"
    return current_app.config[key] * 60


def enforce_timeouts():
    """before_request: end idle or too old sessions, else note this request as activity."""
    if request.endpoint == "static" or not signed_in():
        return None
    now = _now()
    idle = now - session.get("_seen", 0)
    age = now - session.get("_login_at", 0)
    too_old = age > current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    if idle > idle_limit_seconds(current_user) or too_old:
        logout_user()
        session.clear()
        flash(_("由于长时间未操作，您已退出登录，请重新登录。"), "warning")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    if idle >= SEEN_EVERY_SECONDS:
        session["_seen"] = now
    return None


def init_app(app):
    login_manager.user_loader(load_user)
    app.session_interface = api_tokens.PagesOnlySessionInterface()   # the API reads no cookie
    app.before_request(enforce_timeouts)
    # Forms that re-authenticate show a code field only to users who log in with one.
    app.jinja_env.globals["needs_one_time_code"] = twofactor.needs_code
