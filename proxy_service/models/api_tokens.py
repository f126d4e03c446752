"""Personal access tokens of the JSON API (/api/v1): a user's secret for another system,
acting as that user, narrowed to some scopes (docs/api.md).

Only the SHA-256 of the secret is stored: the secret is random and long, so a fast hash is
as good as a slow one against guessing, and a request costs one indexed lookup. The secret
starts with SECRET_PREFIX, so that secret scanners (and people) recognise a leaked one.
"""
import hashlib
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models.types import UTCDateTime, utcnow

SECRET_PREFIX = "psk_"
# What a token may do, beyond what its user may (the user's reach is never widened).
SCOPES = {
    "cases:read": _l("读取案件与事项"),
    "steps:write": _l("更新事项办理进度"),
    "documents:write": _lp("api scope", "上传材料"),
    "messages:write": _lp("api scope", "发送留言"),
    "webhooks:manage": _l("管理事件推送"),
    "reports:read": _l("读取统计报表"),
}
LONGEST_LIFE = timedelta(days=365)
# last_used_at / last_used_ip are written at most this often: not one UPDATE per request.
USE_NOTED_EVERY = timedelta(minutes=1)


def secret_hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # Space-separated SCOPES keys.
    scopes: Mapped[str] = mapped_column(String(200), default="")
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, shown in the list so the owner can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(12))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    last_used_at = mapped_column(UTCDateTime, nullable=True)
    last_used_ip: Mapped[str] = mapped_column(String(45), default="", server_default="")
    revoked_at = mapped_column(UTCDateTime, nullable=True)
    # Who made it: the user for a personal token; for a center token (its user is the center's
    # service user) the manager who made it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def scope_list(self):
        return self.scopes.split()

    def allows(self, scope):
        return scope in self.scope_list

    @property
    def expired(self):
        return self.expires_at <= clock.now()

    @property
    def live(self):
        """Neither revoked nor expired (the user's own state is checked on use)."""
        return self.revoked_at is None and not self.expired

    def use_is_news(self, now):
        """Whether a use at `now` should be written down (USE_NOTED_EVERY)."""
        return self.last_used_at is None or now - self.last_used_at >= USE_NOTED_EVERY
