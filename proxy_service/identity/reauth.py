"""Re-authentication before sensitive actions (signing, changing the password, exporting):
the password again, and the one-time code for users who log in with one (ASVS 3.7.1).

    from proxy_service.identity.reauth import verify_reauth, needs_code
    if not verify_reauth(current_user, form.password.data, form.code.data): ...

Signing and changing the password ask on their own form, every time. Exports (the managers'
CSV/XLSX lists, a case's dossier) are plain downloads, so they ask on the confirmation page
instead (`/confirm`, auth/views.py): a confirmed identity is remembered in the session for
REAUTH_MINUTES, so that downloading the three lists one after another asks only once.

    if (ask := demand_recent_reauth()) is not None:
        return ask

A form that changes something sensitive (the addresses notifications go to) asks on itself
instead, so that what the user typed is not lost on the way to the confirmation page:

    if form.validate_on_submit() and reauth_on_form(current_user, form): ...

(such a form subclasses ReauthForm, here too: notifications/ cannot import auth/).

Failures count toward the account lockout like failed logins (someone holding a stolen
session must not get unlimited guesses); a locked account fails every re-authentication.
A failure is committed at once, so that the count survives the refused request: call it
before changing anything.
"""
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.security import same_site_path
from proxy_service.identity import lockout, twofactor

RECENT_KEY = "_reauth_at"


class ReauthForm(FlaskForm):
    """Password again (and the code, for users with two-factor login) before a sensitive action."""
    password = PasswordField(_l("登录密码"), validators=[DataRequired(_l("请输入登录密码。")),
                                                      Length(max=200)])
    code = StringField(_l("动态验证码"), validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code"})


def needs_code(user):
    """Whether a form asking for re-authentication must show a `code` field for this user."""
    return twofactor.needs_code(user)


def verify_reauth(user, password, code=None):
    """True when `password` is the user's and, for users with two-factor login, `code` is a
    valid one-time or recovery code (then used up). Never raises for bad input."""
    if lockout.is_locked(user):
        lockout.security_event("reauth_failed", user_id=user.id, reason="locked")
        return False
    password_ok = bool(password) and user.check_password(password)
    if not password_ok or (twofactor.needs_code(user) and not twofactor.verify_code(user, code)):
        lockout.record_failure(user)
        db.session.commit()
        return False
    lockout.security_event("reauth", user_id=user.id)
    return True


def reauth_on_form(user, form):
    """verify_reauth with the form's `password` and `code` fields (auth.forms.ReauthForm); on a
    failure the error is on the password field. Call it after validating the form."""
    if verify_reauth(user, form.password.data, form.code.data):
        return True
    form.password.errors.append(_("登录密码或动态验证码不正确。") if needs_code(user)
                                else _("登录密码不正确。"))
    return False


def remember_reauth():
    """The identity was just confirmed in this session (after verify_reauth returned True)."""
    session[RECENT_KEY] = clock.now().timestamp()


def reauth_is_recent():
    """Whether this session confirmed the identity within the last REAUTH_MINUTES. A new
    login starts a new session (identity/sessions.py), so it never inherits a confirmation."""
    confirmed_at = session.get(RECENT_KEY)
    if not isinstance(confirmed_at, (int, float)):
        return False
    age = clock.now().timestamp() - confirmed_at
    return 0 <= age < current_app.config["REAUTH_MINUTES"] * 60


def demand_recent_reauth():
    """None when the identity was confirmed recently; otherwise the redirect to the
    confirmation page, which sends the user back to this request's address. Call it after
    the permission checks, so that a refused user learns nothing from the redirect."""
    if reauth_is_recent():
        return None
    return redirect(url_for("auth.confirm", next=request.full_path.rstrip("?"),
                            back=_page_before()))


def _page_before():
    """The page the export link was on (the dashboard with its filters), for the way back;
    None when the referrer is missing or another site."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return same_site_path(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
