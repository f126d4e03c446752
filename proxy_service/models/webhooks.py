"""Webhooks (docs/api.md "Webhooks"): endpoints a center or an enterprise registers, and the
deliveries (an outbox of events, one row per event and endpoint) `flask webhooks deliver`
sends, signed per the Standard Webhooks specification.

The signing secret (`whsec_` + base64 of 32 random bytes) must be read back to sign, so it
cannot be hashed: it is stored encrypted with a key derived from SECRET_KEY
(notifications/webhook_events.seal), like the TOTP secrets, so that a database dump alone does
not let anyone forge a delivery. During a rotation the previous secret signs too, until
`previous_secret_until`.
"""
import enum

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.enterprises import _str_enum
from proxy_service.models.types import UTCDateTime, utcnow

SECRET_PREFIX = "whsec_"
TEST_EVENT = "webhook.test"
# The events an endpoint may choose, in the order the form lists them.
EVENTS = {
    "case.submitted": _l("提交代办申请"),
    "case.accepted": _l("申请已受理"),
    "case.declined": _l("申请不予受理"),
    "case.assigned": _l("指派（改派）代办员"),
    "agreement.signed": _l("代办委托协议签章生效"),
    "step.updated": _l("事项进展（开始、报送、无需办理、信息更新）"),
    "step.returned": _l("事项退回补正"),
    "step.approved": _l("事项已批准"),
    "step.refused": _l("事项不予许可"),
    "deadline.yellow": _l("事项即将到期（黄灯）"),
    "deadline.red": _l("事项已超期（红灯）"),
    "case.suspended": _l("案件中止"),
    "case.resumed": _l("案件恢复办理"),
    "case.completed": _l("案件办结"),
    "case.terminated": _l("案件终止（含企业撤回）"),
    "evaluation.created": _l("服务评价"),
}


class EndpointState(enum.StrEnum):
    ACTIVE = "active"
    FAILING = "failing"      # the last retries of an event all failed; deliveries go on
    DISABLED = "disabled"    # answered 410 Gone, or switched off by its owner: nothing is sent

    @property
    def label(self):
        return ENDPOINT_STATE_LABELS[self]


ENDPOINT_STATE_LABELS = {EndpointState.ACTIVE: _lp("webhook endpoint", "正常"), EndpointState.FAILING: _l("推送失败"),
                         EndpointState.DISABLED: _l("已停用")}


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"        # leased by one `flask webhooks deliver` run
    DELIVERED = "delivered"
    FAILED = "failed"          # retries exhausted, or refused before sending (address, gone)
    DROPPED = "dropped"        # the endpoint was disabled, or its owner no longer sees the case

    @property
    def label(self):
        return DELIVERY_STATUS_LABELS[self]


DELIVERY_STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("待发送"), DeliveryStatus.SENDING: _l("发送中"),
    DeliveryStatus.DELIVERED: _l("已送达"), DeliveryStatus.FAILED: _l("失败"),
    DeliveryStatus.DROPPED: _l("已放弃")}


class WebhookEndpoint(db.Model):
    """A receiver URL of one owner: a center (center_id) or an enterprise (enterprise_id)."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[str] = mapped_column(Text, default="")      # space-separated EVENTS keys
    secret: Mapped[str] = mapped_column(Text)                  # encrypted (see module doc)
    previous_secret: Mapped[str] = mapped_column(Text, default="")
    previous_secret_until = mapped_column(UTCDateTime, nullable=True)
    state: Mapped[EndpointState] = mapped_column(_str_enum(EndpointState),
                                                 default=EndpointState.ACTIVE)
    state_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")

    @property
    def event_list(self):
        return self.events.split()

    def wants(self, event_type):
        return event_type == TEST_EVENT or event_type in self.event_list

    @property
    def state_label(self):
        return EndpointState(self.state).label


class WebhookDelivery(db.Model):
    """One event for one endpoint; its id is the `webhook-id` header (the receiver's
    idempotency key), the same on every retry.

    Written in the transaction of the change (type, case, step, the audit event's states and
    comment); `payload` is rendered at the first attempt as the API shows the case to the
    endpoint's owner then, and every retry sends those same bytes.
    """

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id"))
    facts: Mapped[str] = mapped_column(Text, default="{}")     # JSON: from, to, comment, ...
    payload: Mapped[str] = mapped_column(Text, default="")     # the body sent, once rendered
    status: Mapped[DeliveryStatus] = mapped_column(_str_enum(DeliveryStatus),
                                                   default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at = mapped_column(UTCDateTime, default=utcnow)
    lease_until = mapped_column(UTCDateTime, nullable=True)
    leased_by: Mapped[str] = mapped_column(String(80), default="")
    last_attempt_at = mapped_column(UTCDateTime, nullable=True)
    response_code: Mapped[int | None] = mapped_column()
    response_body: Mapped[str] = mapped_column(Text, default="")   # the first 1 KB
    last_error: Mapped[str] = mapped_column(String(500), default="")
    occurred_at = mapped_column(UTCDateTime, default=utcnow)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    delivered_at = mapped_column(UTCDateTime, nullable=True)

    endpoint = relationship("WebhookEndpoint")

    __table_args__ = (Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
                      Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"))

    @property
    def status_label(self):
        return DeliveryStatus(self.status).label
