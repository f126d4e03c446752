"""Users and roles; centers (the tenant boundary)."""
import enum
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from proxy_service.core.extensions import db
from proxy_service.models.types import UTCDateTime, utcnow


class Role(str, enum.Enum):
    ENTERPRISE = "enterprise"
    AGENT = "agent"
    MANAGER = "manager"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {Role.ENTERPRISE: _l("企业用户"), Role.AGENT: _l("代办员"), Role.MANAGER: _l("管理员")}


class Center(db.Model):
    """A zone's enterprise service center: staff, catalogue and cases stay inside it."""

    __tablename__ = "centers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    short_name: Mapped[str] = mapped_column(String(40))
    zone: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200), default="")
    person_in_charge: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    # Prefix of the center's own case and agreement numbers, e.g. JZKFQ.
    number_prefix: Mapped[str] = mapped_column(String(12), unique=True)
    # Traffic lights turn yellow this many working days before a due date.
    yellow_days: Mapped[int] = mapped_column(default=2)
    # Who counter-signs agreements for the center: "agent" (the assigned one) or "manager".
    countersign_role: Mapped[str] = mapped_column(String(10), default="manager")
    # The center's digital seal: certificate and key files (PEM), and an optional RFC 3161 TSA.
    seal_cert_path: Mapped[str] = mapped_column(String(300), default="")
    seal_key_path: Mapped[str] = mapped_column(String(300), default="")
    tsa_url: Mapped[str] = mapped_column(String(300), default="")
    # Set by the center's managers: the enterprises of this center must log in with a one-time
    # code too (staff always must). REQUIRE_ENTERPRISE_2FA in the config forces it everywhere.
    require_enterprise_2fa: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The settings forms carry the version they showed: a save over a newer one writes nothing.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    def __str__(self):
        return self.name


def _is_enterprise(context):
    role = context.get_current_parameters().get("role")
    return getattr(role, "value", role) == Role.ENTERPRISE.value


# A channel is on by default only when there is an address to use it (notifications/inbox.py):
# e-mail when the account has one; SMS for enterprises, whose enterprise always registers a
# mobile (staff opt in).
def _email_by_default(context):
    return bool(context.get_current_parameters().get("email"))


def _sms_by_default(context):
    parameters = context.get_current_parameters()
    return _is_enterprise(context) and bool(parameters.get("phone")
                                            or parameters.get("enterprise_id"))


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(db.Enum(Role, native_enum=False, length=20,
                                               values_callable=lambda e: [m.value for m in e]))
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    notify_email: Mapped[bool] = mapped_column(default=_email_by_default)
    notify_sms: Mapped[bool] = mapped_column(default=_sms_by_default)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    # Security state (auth/): the token every session cookie must carry (a new one kills every
    # copy of the old cookies), the lockout counter and the TOTP authenticator (secret encrypted).
    session_token: Mapped[str] = mapped_column(String(64), default="", server_default="")
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until = mapped_column(UTCDateTime, nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enrolled_at = mapped_column(UTCDateTime, nullable=True)
    # The last accepted 30-second time step: a code is good once (replay protection).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Set when a manager erased the person's data on request (personal_data.py): the account
    # is disabled and its contact fields emptied; the name stays on agreements and audit entries.
    erased_at = mapped_column(UTCDateTime, nullable=True)
    # Interface language chosen in the header (zh_CN or en); None: the browser decides.
    # Notifications to the user are written in it (Chinese when None).
    locale: Mapped[str | None] = mapped_column(String(10))
    # The center's service user (workflow/center_tokens.py): what the center's API tokens act
    # as, a manager of its center that cannot log in and is never listed among the staff.
    service: Mapped[bool] = mapped_column(default=False, server_default=false())

    center = relationship("Center")
    enterprise = relationship("Enterprise", back_populates="users", foreign_keys=[enterprise_id])
    # Not a column: the number of unread notifications, read with the logged-in user by the
    # user load (identity/sessions.py) for the bell of every page; None when not read with it
    # (notifications/inbox.unread_count then counts).
    unread_notifications: Mapped[int | None] = query_expression()
    __table_args__ = (
        # One service user per center, enforced by the database too (two managers making the
        # center's first token at once).
        Index("uq_users_service_center", "center_id", unique=True,
              sqlite_where=db.text("service"), postgresql_where=db.text("service")),
    )

    def set_password(self, password):
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)
        # A new password ends every session opened with the old one.
        self.rotate_session_token()

    def rotate_session_token(self):
        self.session_token = secrets.token_urlsafe(32)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self):
        return self.active

    @property
    def is_staff(self):
        return self.role in (Role.AGENT, Role.MANAGER)

    @property
    def is_manager(self):
        return self.role is Role.MANAGER

    @property
    def is_agent(self):
        return self.role is Role.AGENT

    @property
    def is_enterprise(self):
        return self.role is Role.ENTERPRISE

    def __str__(self):
        return self.name


class RecoveryCode(db.Model):
    """One of a user's ten single-use recovery codes for the one-time-code step (hashed)."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(256))
    used_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)
