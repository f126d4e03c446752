"""Users and roles; centers (the tenant boundary)."""
import enum

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .types import UTCDateTime, utcnow


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

    def __str__(self):
        return self.name


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
    notify_email: Mapped[bool] = mapped_column(default=True)
    notify_sms: Mapped[bool] = mapped_column(default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    center = relationship("Center")
    enterprise = relationship("Enterprise", back_populates="users", foreign_keys=[enterprise_id])

    def set_password(self, password):
        method = current_app.config["PASSWORD_HASH_METHOD"]
        self.password_hash = generate_password_hash(password, method=method)

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
