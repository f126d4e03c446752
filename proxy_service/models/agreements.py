"""Delegation agreements (代办委托协议), their clause templates and signatures."""
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.enterprises import _str_enum
from proxy_service.models.types import UTCDateTime, utcnow


class AgreementTemplate(db.Model):
    """A center's clause text, versioned: a case keeps the version it was generated under."""

    __tablename__ = "agreement_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    version: Mapped[int] = mapped_column()
    clauses: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("center_id", "version"),)


class AgreementKind(str, enum.Enum):
    AGREEMENT = "agreement"      # 代办委托协议
    SUPPLEMENT = "supplement"    # 续办委托书

    @property
    def label(self):
        return AGREEMENT_KIND_LABELS[self]


AGREEMENT_KIND_LABELS = {AgreementKind.AGREEMENT: _l("代办委托协议"),
                         AgreementKind.SUPPLEMENT: _l("代办服务续办委托书")}


class AgreementState(str, enum.Enum):
    AWAITING_ENTERPRISE = "awaiting_enterprise"
    AWAITING_PAPER_CHECK = "awaiting_paper_check"
    AWAITING_CENTER = "awaiting_center"
    SEALED = "sealed"
    VOID = "void"

    @property
    def label(self):
        return AGREEMENT_STATE_LABELS[self]


AGREEMENT_STATE_LABELS = {AgreementState.AWAITING_ENTERPRISE: _l("待企业签署"),
                          AgreementState.AWAITING_PAPER_CHECK: _l("纸质签署件待核对"),
                          AgreementState.AWAITING_CENTER: _l("待服务中心会签"),
                          AgreementState.SEALED: _l("已签署生效"),
                          AgreementState.VOID: _l("已作废")}
# The parties of a Signature (its `party`).
ENTERPRISE, CENTER = "enterprise", "center"


class Agreement(db.Model):
    __tablename__ = "agreements"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[AgreementKind] = mapped_column(_str_enum(AgreementKind))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    verification_code: Mapped[str] = mapped_column(String(12))
    template_id: Mapped[int] = mapped_column(ForeignKey("agreement_templates.id"))
    state: Mapped[AgreementState] = mapped_column(_str_enum(AgreementState),
                                                  default=AgreementState.AWAITING_ENTERPRISE)
    item_ids: Mapped[str] = mapped_column(Text, default="")      # items this document delegates
    revision: Mapped[int] = mapped_column(default=1)             # regenerations before sealing
    unsigned_pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    unsigned_sha256: Mapped[str] = mapped_column(String(64))
    final_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    final_sha256: Mapped[str] = mapped_column(String(64), default="")
    signed_on_paper: Mapped[bool] = mapped_column(default=False)
    # use_alter: documents → steps → agreements → documents would be a cycle for table sorting.
    paper_scan_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", use_alter=True))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    sealed_at = mapped_column(UTCDateTime, nullable=True)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    case = relationship("Case", back_populates="agreements")
    template = relationship("AgreementTemplate")
    signatures = relationship("Signature", back_populates="agreement", order_by="Signature.id")
    __mapper_args__ = {"version_id_col": version}

    def served_pdf(self, original=False):
        """(bytes, final?) of the file its page and the API serve: the final (sealed) PDF
        when there is one, else the current unsigned revision; `original` the unsigned one
        anyway."""
        final = self._serves_final(original)
        return (self.final_pdf if final else self.unsigned_pdf), final

    def served_sha256(self, original=False):
        """The SHA-256 of the bytes served_pdf(original) answers, without loading them."""
        return self.final_sha256 if self._serves_final(original) else self.unsigned_sha256

    def _serves_final(self, original):
        return self.state is AgreementState.SEALED and not original

    def signed_at(self, party):
        """When `party` (ENTERPRISE / CENTER) last signed, by its signatures not voided; or
        None."""
        times = [s.signed_at for s in self.signatures if s.party == party and not s.voided]
        return max(times) if times else None


class Signature(db.Model):
    """One party's signature on one revision of an agreement (online or confirmed on paper)."""

    __tablename__ = "signatures"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    party: Mapped[str] = mapped_column(String(12))        # "enterprise" | "center"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(60))
    signer_title: Mapped[str] = mapped_column(String(60), default="")
    method: Mapped[str] = mapped_column(String(10))       # "drawn" | "typed" | "paper"
    image: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    seal_image: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    signed_at = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    document_sha256: Mapped[str] = mapped_column(String(64))
    voided: Mapped[bool] = mapped_column(default=False)

    agreement = relationship("Agreement", back_populates="signatures")
    user = relationship("User")
