"""In-app notifications and the outbox of e-mail and SMS messages."""
from sqlalchemy import ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.types import UTCDateTime, utcnow


class Notification(db.Model):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(200), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    read_at = mapped_column(UTCDateTime, nullable=True)

    case = relationship("Case")
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),
                      # the user's list, newest first
                      Index("ix_notifications_user_created", "user_id", "created_at", "id"))

    @classmethod
    def unread_of(cls, user_id):
        """SELECT the number of unread notifications of `user_id` (a value or a column)."""
        return select(func.count(cls.id)).where(cls.user_id == user_id, cls.read_at.is_(None))


class OutboxMessage(db.Model):
    """An e-mail or SMS written in the same transaction as the change it reports.

    `flask send-notifications` claims pending rows (status pending → sending with
    a lease), delivers them, and marks them sent or schedules a retry.
    """

    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(10))          # "email" | "sms"
    recipient: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    template_code: Mapped[str] = mapped_column(String(40), default="")   # SMS template id
    params: Mapped[str] = mapped_column(Text, default="{}")              # JSON for SMS templates
    message_id: Mapped[str] = mapped_column(String(120), unique=True)    # stable across retries
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at = mapped_column(UTCDateTime, default=utcnow)
    lease_until = mapped_column(UTCDateTime, nullable=True)
    leased_by: Mapped[str] = mapped_column(String(80), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    sent_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)
