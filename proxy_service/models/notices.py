"""Notices as issued (DB14/T 2233 forms): each rendered once, when its event happens, and kept
as those bytes; a correction is the next revision of the same notice. No row is ever changed.

The bytes are in document_blobs (models/blobs.py), like every stored file: `notice.data`
reads them, `notice.chunks()` streams them.
"""
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.blobs import BlobContent
from proxy_service.models.enterprises import _str_enum
from proxy_service.models.types import UTCDateTime, utcnow


class NoticeKind(str, enum.Enum):
    MATERIALS = "materials"      # 一次性告知单: at acceptance
    CHANGE = "change"            # 代办员变更通知书: a re-assignment after the agreement was sealed
    SUSPEND = "suspend"          # 中止通知书
    TERMINATE = "terminate"      # 终止通知书: ended by the center or withdrawn by the enterprise
    COMPLETION = "completion"    # 代办服务办结单

    @property
    def label(self):
        return NOTICE_LABELS[self]


NOTICE_LABELS = {
    NoticeKind.MATERIALS: _l("一次性告知单"),
    NoticeKind.CHANGE: _l("代办员变更通知书"),
    NoticeKind.SUSPEND: _l("中止通知书"),
    NoticeKind.TERMINATE: _l("终止通知书"),
    NoticeKind.COMPLETION: _l("代办服务办结单"),
}


class NoticeOrigin(str, enum.Enum):
    """How a notice came to be stored (notice_history.py makes the last two, once)."""
    ISSUED = "issued"                  # by the verb that issued it
    HISTORY = "history"                # later, from the audit history as of its date
    RECONSTRUCTED = "reconstructed"    # later, as of then: the history could not say

    @property
    def label(self):
        return ORIGIN_LABELS[self]


ORIGIN_LABELS = {
    NoticeOrigin.ISSUED: "",
    NoticeOrigin.HISTORY: _l("按操作记录补存"),
    NoticeOrigin.RECONSTRUCTED: _l("补制（原始记录不全）"),
}


class IssuedNotice(BlobContent, db.Model):
    __tablename__ = "issued_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(_str_enum(NoticeKind))
    seq: Mapped[int] = mapped_column(default=1)          # the n-th notice of its kind on the case
    revision: Mapped[int] = mapped_column(default=1)     # 2, 3, ... are corrections
    number: Mapped[str] = mapped_column(String(60))      # printed 编号, shared by the revisions
    issued_at = mapped_column(UTCDateTime)               # printed on the center's 日期 line
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")   # why this revision corrects the last
    origin: Mapped[NoticeOrigin] = mapped_column(_str_enum(NoticeOrigin),
                                                 default=NoticeOrigin.ISSUED)
    # What a suspension / termination / change notice is about, for its corrections.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("document_blobs.sha256"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case")
    issued_by = relationship("User")
    __table_args__ = (UniqueConstraint("case_id", "kind", "seq", "revision"),)

    @property
    def title(self):
        return self.kind.label
