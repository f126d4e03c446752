"""Two-factor login with a TOTP authenticator app (RFC 6238, pyotp) and recovery codes.

Staff (agents, managers) always need a one-time code after the password; enterprise users
need one when REQUIRE_ENTERPRISE_2FA is on or their home center requires it, and whenever they
have enrolled. The secret is stored encrypted with a key derived from SECRET_KEY (a database dump
alone does not give the codes away; rotating SECRET_KEY means re-enrolling). A code is accepted
once: the last used time step is kept and only a later one passes (ASVS 2.8.4).
"""
import base64
import hashlib
import hmac
import re
import secrets
from urllib.parse import quote

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from reportlab.graphics.barcode import qrencoder
from sqlalchemy import delete, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import RecoveryCode, Role, User

RECOVERY_CODE_COUNT = 10
# No look-alikes (0/o, 1/l/i): the codes are copied by hand. 10 symbols ≈ 49 bits, salted and
# hashed like passwords (ASVS 2.6.2 allows < 112 bits that way).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOTP_SHAPE = re.compile(r"^\d{6}$")


# --- who needs a code ------------------------------------------------------------------------

def enrolled(user):
    return user.totp_enrolled_at is not None and bool(user.totp_secret)


def required(user):
    """Whether policy makes this user log in with a one-time code."""
    if user.role in (Role.AGENT, Role.MANAGER):
        return True
    if current_app.config.get("REQUIRE_ENTERPRISE_2FA"):
        return True
    enterprise = user.enterprise
    return bool(enterprise and enterprise.home_center and enterprise.home_center.require_enterprise_2fa)


def needs_code(user):
    return enrolled(user) or required(user)


# --- the secret --------------------------------------------------------------------------------

def _fernet():
    key = hashlib.sha256(b"totp-secret:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_of(user):
    """The user's base32 secret in clear, or None (none stored, or SECRET_KEY changed)."""
    if not user.totp_secret:
        return None
    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:
        return None


def _store_secret(user, secret):
    user.totp_secret = _fernet().encrypt(secret.encode()).decode()


def enrolment_secret(user):
    """The secret shown while enrolling: the pending one if the user reloads the page, so that
    a code from an app that already scanned it still works; a new one otherwise."""
    secret = secret_of(user)
    if secret is None or enrolled(user):
        secret = pyotp.random_base32()
        _store_secret(user, secret)
        user.totp_enrolled_at = None
        user.totp_last_step = None
    return secret


def enrol_with_secret(user, secret):
    """Enrol directly with a known secret (demo data and tests; no recovery codes)."""
    _store_secret(user, secret)
    user.totp_enrolled_at = clock.now()
    user.totp_last_step = None


def confirm_enrolment(user, code):
    """Finish enrolment when `code` matches the pending secret. Returns the new recovery codes
    (shown once), or None when the code is wrong."""
    secret = secret_of(user)
    if secret is None or enrolled(user) or not _accept_totp(user, secret, _clean(code)):
        return None
    user.totp_enrolled_at = clock.now()
    return new_recovery_codes(user)


def reset(user):
    """Forget the authenticator and recovery codes (lost phone): enrol again at next login."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def provisioning_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(name=user.username,
                                               issuer_name=current_app.config["TOTP_ISSUER"])


def grouped(secret):
    """ABCD EFGH ... for typing the secret into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(text):
    """The QR code of `text` as an SVG data: URI (CSP img-src allows data:), drawn server-side
    with reportlab's encoder as one path: no script, no third-party service sees the secret."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(text)
    qr.make()
    count, border = qr.getModuleCount(), 4
    path = "".join(f"M{c + border},{r + border}h1v1h-1z"
                   for r in range(count) for c in range(count) if qr.isDark(r, c))
    size = count + 2 * border
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
           f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
           f'<path fill="#000" d="{path}"/></svg>')
    return "data:image/svg+xml;charset=utf-8," + quote(svg)


# --- checking a code ---------------------------------------------------------------------------

def _clean(code):
    return re.sub(r"[\s-]", "", code or "").lower()


def verify_code(user, code):
    """A valid one-time code from the authenticator, or an unused recovery code (then spent).
    False for anything else, including a code already used."""
    code = _clean(code)
    if not enrolled(user) or not code:
        return False
    if TOTP_SHAPE.match(code):
        secret = secret_of(user)
        return secret is not None and _accept_totp(user, secret, code)
    return _spend_recovery_code(user, code)


def _accept_totp(user, secret, code):
    totp = pyotp.TOTP(secret)
    current = totp.timecode(clock.now())
    for step in (current, current - 1, current + 1):   # one step of clock drift either way
        if hmac.compare_digest(totp.generate_otp(step), code) and _claim_step(user, step):
            return True
    return False


def _claim_step(user, step):
    # One conditional UPDATE: two workers given the same code cannot both accept it.
    result = db.session.execute(
        update(User).where(User.id == user.id)
        .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    db.session.expire(user, ["totp_last_step"])
    return result.rowcount == 1


# --- recovery codes ----------------------------------------------------------------------------

def new_recovery_codes(user):
    """Replace the user's recovery codes with ten new ones; returns them in clear (show once)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    method = current_app.config["PASSWORD_HASH_METHOD"]
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=generate_password_hash(code, method)))
        codes.append(f"{code[:5]}-{code[5:]}")
    db.session.flush()
    return codes


def unused_recovery_codes(user):
    return db.session.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all()


def _spend_recovery_code(user, code):
    for stored in unused_recovery_codes(user):
        if check_password_hash(stored.code_hash, code):
            spent = db.session.execute(
                update(RecoveryCode).where(RecoveryCode.id == stored.id, RecoveryCode.used_at.is_(None))
                .values(used_at=clock.now()).execution_options(synchronize_session=False))
            db.session.expire(stored)
            return spent.rowcount == 1
    return False
