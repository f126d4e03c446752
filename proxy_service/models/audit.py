"""The append-only audit log (操作日志)."""
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.audit_labels import ACTION_LABELS
from proxy_service.models.types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    # Internal events are shown to staff only (e.g. internal notes, re-assignment reasons).
    internal: Mapped[bool] = mapped_column(default=False)
    # The hash chain (proxy_service/audit/chain.py): set on flush, never changed.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    actor = relationship("User")
    __table_args__ = (Index("ix_audit_events_case_at", "case_id", "at"),)

    @classmethod
    def record(cls, actor, obj, action, from_status="", to_status="", comment="", internal=False):
        """An event about `obj` (a Case, Step, Enterprise, ...), placed on its case and center."""
        case = obj if obj.__class__.__name__ == "Case" else getattr(obj, "case", None)
        center_id = getattr(case, "center_id", None) or getattr(obj, "center_id", None) \
            or getattr(obj, "home_center_id", None)
        enterprise_id = getattr(case, "enterprise_id", None) or getattr(obj, "enterprise_id", None)
        if obj.__class__.__name__ == "Enterprise":
            enterprise_id = obj.id
        return cls(actor_id=getattr(actor, "id", None), center_id=center_id,
                   case_id=getattr(case, "id", None), enterprise_id=enterprise_id,
                   object_type=obj.__class__.__name__.lower(), object_id=obj.id, action=action,
                   from_status=_value(from_status), to_status=_value(to_status),
                   comment=comment or "", internal=internal)

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)

    def detail(self, subject):
        """The comment without the leading "subject：" that names the object (agreement
        events write "number：reason")."""
        return self.comment.removeprefix(f"{subject}：")  # i18n-keep: audit record format


def _value(status):
    return getattr(status, "value", status) or ""


class AuditCheckpoint(db.Model):
    """The chain heads of one center that moved since its previous checkpoint, signed with
    the center's seal key, so a rewritten chain (even with recomputed hashes) no longer
    contains a signed head. A center's checkpoints link by digest (previous_digest), so
    deleting one that alone signs a quiet chain's head breaks the next link."""

    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    at = mapped_column(UTCDateTime, default=utcnow)
    heads: Mapped[str] = mapped_column(Text)  # JSON {chain key: head hash}
    heads_digest: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)  # base64, RSA PKCS#1 v1.5 / SHA-256
    # The center's highest event id this checkpoint saw: the next one signs only the chains
    # with a later event. Both NULL on full checkpoints from before f6c0de200006 (unlinked).
    last_event_id: Mapped[int | None] = mapped_column()
    previous_digest: Mapped[str | None] = mapped_column(String(64))  # "" for a center's first
    # Two cron runs at once (two hosts) cannot both extend a center's checkpoints: the second
    # insert after the same previous checkpoint fails (NULLs of old rows never collide).
    __table_args__ = (UniqueConstraint("center_id", "previous_digest"),)
