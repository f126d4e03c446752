"""Re-authentication before sensitive actions (signing, changing the password, exporting):
the password again, and the one-time code for users who log in with one (ASVS 3.7.1).

    from proxy_service.auth.reauth import verify_reauth, needs_code
    if not verify_reauth(current_user, form.password.data, form.code.data): ...

Failures count toward the account lockout like failed logins (someone holding a stolen
session must not get unlimited guesses); a locked account fails every re-authentication.
A failure is committed at once, so that the count survives the refused request: call it
before changing anything.
"""
from ..extensions import db
from . import lockout, twofactor


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
