"""Idempotency keys of the JSON API's POSTs (identity/idempotency.py): per token, the first
answer to a key, replayed for a day to a retry of the same request."""
from datetime import timedelta

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from proxy_service.core.extensions import db
from proxy_service.models.types import UTCDateTime

KEPT_FOR = timedelta(hours=24)
LONGEST_KEY = 255


class IdempotencyKey(db.Model):
    """A POST's `Idempotency-Key` under one token. `response_status` is None while the first
    request runs; then the answer (status, body and the headers worth replaying) is kept until
    `expires_at`. The unique (token, key) is what makes the second of two concurrent requests
    lose its claim."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("token_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    key: Mapped[str] = mapped_column(String(LONGEST_KEY))
    # SHA-256 of method, path and body: the same key with another request is refused.
    request_sha256: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column()
    response_body: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    response_headers: Mapped[str] = mapped_column(Text, default="{}")   # JSON {name: value}
    created_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False, index=True)
