"""Monthly reports as issued: the PDF of a closed month, stored once and served as stored."""
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.blobs import BlobContent
from proxy_service.models.types import UTCDateTime, utcnow


class MonthlyReport(BlobContent, db.Model):
    """One version of a center's report of a closed month (代办服务月度报告).

    The first is stored when the PDF is first asked for after the month has ended; a manager
    may issue a new version with a reason (the old ones stay and are listed). The bytes live
    in document_blobs (`report.data`, `report.chunks()`), named by their SHA-256.
    """

    __tablename__ = "monthly_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))   # first column of the key
    month = mapped_column(Date, nullable=False)          # the month's first day
    version: Mapped[int] = mapped_column()               # 1 = first issued
    reason: Mapped[str] = mapped_column(Text, default="")   # why this version replaced the last
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("document_blobs.sha256"))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at = mapped_column(UTCDateTime, default=utcnow)

    issued_by = relationship("User")
    # Two managers asking for the first PDF at once cannot both store a version 1.
    __table_args__ = (UniqueConstraint("center_id", "month", "version"),)

    @property
    def filename(self):
        return f"monthly-report-{self.month:%Y-%m}-v{self.version}.pdf"
