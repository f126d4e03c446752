"""One-time submit tokens of create forms: the table core/submit_once.py keeps them in (given
to it by create_app, since core imports no models)."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from proxy_service.core.extensions import db
from proxy_service.models.types import UTCDateTime, utcnow


class SubmitToken(db.Model):
    """A create form's token, claimed by the request that created the record.

    The unique constraint on `token` is what makes a repeated or concurrent post of the same
    form lose: its insert fails, and it is sent to `target_url`, where the first one went.
    """

    __tablename__ = "submit_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    endpoint: Mapped[str] = mapped_column(String(80), default="")
    target_url: Mapped[str] = mapped_column(String(300), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, index=True)
