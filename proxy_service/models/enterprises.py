"""Enterprises, their projects, and registration claims on an already registered USCC."""
import enum
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.types import ExactDecimal, UTCDateTime, utcnow


def _str_enum(enum_cls):
    return db.Enum(enum_cls, native_enum=False, length=20,
                   values_callable=lambda e: [m.value for m in e])


class Verification(str, enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self):
        return {"pending": _l("待核验"), "verified": _l("已核验"), "rejected": _l("核验未通过")}[self.value]


class Enterprise(db.Model):
    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Not unique: a second registration of the same code becomes a claim (see EnterpriseClaim).
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    uscc_check_failed: Mapped[bool] = mapped_column(default=False)
    legal_representative: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(200))
    contact_person: Mapped[str] = mapped_column(String(60))
    mobile: Mapped[str] = mapped_column(String(11))
    email: Mapped[str] = mapped_column(String(120), default="")
    # The zone the enterprise registered with: its managers verify the licence.
    home_center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    verification: Mapped[Verification] = mapped_column(_str_enum(Verification),
                                                       default=Verification.PENDING)
    verification_note: Mapped[str] = mapped_column(Text, default="")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    verified_at = mapped_column(UTCDateTime, nullable=True)
    privacy_consent_at = mapped_column(UTCDateTime, nullable=False)
    seal_image: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))  # 电子公章
    created_at = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    home_center = relationship("Center")
    users = relationship("User", back_populates="enterprise", foreign_keys="User.enterprise_id")
    projects = relationship("Project", back_populates="enterprise", order_by="Project.id")
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_verified(self):
        return self.verification is Verification.VERIFIED

    def __str__(self):
        return self.name


class ClaimStatus(str, enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self):
        return {"pending": _l("待处理"), "approved": _l("已认领"), "rejected": _l("已驳回")}[self.value]


class EnterpriseClaim(db.Model):
    """A registration whose USCC is already on record: a manager decides who the real company is."""

    __tablename__ = "enterprise_claims"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    claimant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    claimed_name: Mapped[str] = mapped_column(String(120))
    legal_representative: Mapped[str] = mapped_column(String(60))
    contact_person: Mapped[str] = mapped_column(String(60))
    mobile: Mapped[str] = mapped_column(String(11))
    licence_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", use_alter=True))
    outcome: Mapped[ClaimStatus] = mapped_column(_str_enum(ClaimStatus), default=ClaimStatus.PENDING)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    enterprise = relationship("Enterprise")
    claimant = relationship("User", foreign_keys=[claimant_id])


class FilingType(str, enum.Enum):
    RECORD = "record"        # 备案
    APPROVAL = "approval"    # 核准

    @property
    def label(self):
        return {"record": _l("备案类"), "approval": _l("核准类")}[self.value]


class Industry(db.Model):
    __tablename__ = "industries"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    sort: Mapped[int] = mapped_column(default=0)

    def __str__(self):
        return self.name


class Project(db.Model):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))   # indexed below
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(24), default="")
    industry_id: Mapped[int] = mapped_column(ForeignKey("industries.id"))
    total_investment: Mapped[Decimal] = mapped_column(ExactDecimal(16, 4))   # 万元
    land_area: Mapped[Decimal] = mapped_column(ExactDecimal(12, 2))          # 亩
    location: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    planned_start = mapped_column(Date, nullable=True)
    standard_land: Mapped[bool] = mapped_column(default=False)
    filing_type: Mapped[FilingType] = mapped_column(_str_enum(FilingType), default=FilingType.RECORD)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    enterprise = relationship("Enterprise", back_populates="projects")
    center = relationship("Center")
    industry = relationship("Industry")
    __mapper_args__ = {"version_id_col": version}
    # The center's projects, and their names for the case list's search, from the index.
    __table_args__ = (Index("ix_projects_center_name", "center_id", "name"),)

    # Fields a case relies on: frozen while the project has an open case.
    CASE_FIELDS = ("name", "code", "center_id", "total_investment", "land_area",
                   "location", "standard_land", "filing_type")

    def __str__(self):
        return self.name
