"""What the webhook endpoints' API (webhooks.py) reads and writes; strict as schemas.py."""
from proxy_service.api import fields
from proxy_service.api.schemas import Reply, StrictSchema
from proxy_service.models import DeliveryStatus, EndpointState
from proxy_service.models.webhooks import EVENTS

EVENT_NAMES = list(EVENTS)


class WebhookOut(Reply):
    id = fields.Integer()
    url = fields.String()
    description = fields.String()
    events = fields.List(fields.String(metadata={"enum": EVENT_NAMES}))
    state = fields.Enum(EndpointState)
    created_at = fields.AwareDateTime()


class WebhookCreated(WebhookOut):
    # i18n-keep: the contract's text (one document, in Chinese)
    secret = fields.String(metadata={"description": "签名密钥（whsec_…），只返回这一次"})


class SecretOut(Reply):
    # i18n-keep: the contract's text (one document, in Chinese)
    secret = fields.String(metadata={"description": "新的签名密钥；旧密钥在 24 小时内仍签名"})


class DeliveryOut(Reply):
    # i18n-keep: the contract's text (one document, in Chinese)
    id = fields.Integer(metadata={"description": "即 webhook-id 请求头"})
    event_type = fields.String()
    status = fields.Enum(DeliveryStatus)
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_attempt_at = fields.AwareDateTime(allow_none=True)
    response_code = fields.Integer(allow_none=True)
    # i18n-keep: the contract's text (one document, in Chinese)
    response_body = fields.String(metadata={"description": "接收方应答的前 1 KB"})
    created_at = fields.AwareDateTime()


class WebhookIn(StrictSchema):
    url = fields.String(required=True, validate=fields.max_length(500))
    events = fields.List(fields.String(validate=fields.one_of(EVENT_NAMES),
                                       metadata={"enum": EVENT_NAMES}), required=True)
    description = fields.String(validate=fields.max_length(200))


class WebhookEdit(StrictSchema):
    """What a PATCH may change: any of the three; what it leaves out stays as it is."""
    url = fields.String(validate=fields.max_length(500))
    events = fields.List(fields.String(validate=fields.one_of(EVENT_NAMES),
                                       metadata={"enum": EVENT_NAMES}))
    description = fields.String(validate=fields.max_length(200))
