"""Webhook endpoints through the API (scope webhooks:manage): the same verbs and loaders as the
事件推送 pages. A manager's token manages the center's endpoints, an enterprise user's the
enterprise's; another owner's endpoint is 404. A secret is in the answer that made it only.
An endpoint's ETag is a digest of what a PATCH may change: a change made since it was read
(by the page or another token) makes the PATCH 412, not a silent overwrite."""
import hashlib

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from proxy_service import permissions
from proxy_service.api import bp
from proxy_service.api.guard import caller, scope_required, token
from proxy_service.api.preconditions import etag_header, if_match_parameter, require_match
from proxy_service.api.problems import problem
from proxy_service.api.webhook_schemas import (
    DeliveryOut,
    SecretOut,
    WebhookCreated,
    WebhookEdit,
    WebhookIn,
    WebhookOut,
)
from proxy_service.core.conflicts import committing
from proxy_service.core.extensions import db
from proxy_service.models import WebhookDelivery
from proxy_service.workflow import webhooks
from proxy_service.workflow.api_tokens import through

SCOPE = "webhooks:manage"
LOG_LENGTH = 50
NOT_AN_OWNER = _l("只有中心管理人员和企业用户可以管理事件推送。")
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
ETAG_HEADER = etag_header("推送地址设置（地址、事件、说明）的摘要；修改时在 If-Match 中带回")
# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
IF_MATCH = if_match_parameter("读取推送地址时得到的 ETag（不接受 *）")


@bp.route("/webhooks", methods=["GET"])
@scope_required(SCOPE)
@bp.response(200, WebhookOut(many=True))
def list_webhooks():
    """事件推送地址（Webhook endpoints of the caller's center or enterprise）"""
    return [out(endpoint) for endpoint
            in db.session.scalars(permissions.visible_endpoints(caller()))]


@bp.route("/webhooks", methods=["POST"])
@scope_required(SCOPE)
@bp.arguments(WebhookIn)
@bp.response(201, WebhookCreated)
def create_webhook(data):
    """登记推送地址（Register an endpoint; the secret is returned this once）"""
    if not permissions.can_manage_webhooks(caller()):
        return problem(403, NOT_AN_OWNER)
    endpoint, secret = _commit(webhooks.create_endpoint, caller(), url=data["url"],
                               events=data["events"], description=data.get("description", ""),
                               via=through(token()))
    return {**out(endpoint), "secret": secret}


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET"])
@scope_required(SCOPE)
@bp.response(200, WebhookOut, headers=ETAG_HEADER)
def get_webhook(endpoint_id):
    """推送地址（An endpoint, the digest of its settings as the ETag）"""
    endpoint = permissions.endpoint_or_404(caller(), endpoint_id)
    return out(endpoint), {"ETag": f'"{settings_digest(endpoint)}"'}


@bp.route("/webhooks/<int:endpoint_id>", methods=["PATCH"])
@scope_required(SCOPE)
@bp.arguments(WebhookEdit)
@bp.response(200, WebhookOut, headers=ETAG_HEADER)
@bp.doc(parameters=[IF_MATCH])
def update_webhook(changes, endpoint_id):
    """修改推送地址（Change the URL, the events or the description; If-Match required）"""
    endpoint = permissions.endpoint_or_404(caller(), endpoint_id)
    db.session.refresh(endpoint, with_for_update=True)   # PostgreSQL: one PATCH at a time
    require_match(settings_digest(endpoint))
    _commit(webhooks.update_endpoint, endpoint, caller(), via=through(token()),
            url=changes.get("url", endpoint.url),
            events=changes.get("events", endpoint.event_list),
            description=changes.get("description", endpoint.description))
    return out(endpoint), {"ETag": f'"{settings_digest(endpoint)}"'}


@bp.route("/webhooks/<int:endpoint_id>/rotate", methods=["POST"])
@scope_required(SCOPE)
@bp.response(200, SecretOut)
def rotate_webhook_secret(endpoint_id):
    """更换签名密钥（Rotate the secret: the old one signs too for 24 hours）"""
    endpoint = permissions.endpoint_or_404(caller(), endpoint_id)
    return {"secret": _commit(webhooks.rotate_secret, endpoint, caller(), via=through(token()))}


@bp.route("/webhooks/<int:endpoint_id>/disable", methods=["POST"])
@scope_required(SCOPE)
@bp.response(200, WebhookOut)
def disable_webhook(endpoint_id):
    """停用（Disable an endpoint: nothing is sent until it is enabled）"""
    endpoint = permissions.endpoint_or_404(caller(), endpoint_id)
    _commit(webhooks.disable_endpoint, endpoint, caller(), via=through(token()))
    return out(endpoint)


@bp.route("/webhooks/<int:endpoint_id>/enable", methods=["POST"])
@scope_required(SCOPE)
@bp.response(200, WebhookOut)
def enable_webhook(endpoint_id):
    """启用（Enable an endpoint again）"""
    endpoint = permissions.endpoint_or_404(caller(), endpoint_id)
    _commit(webhooks.enable_endpoint, endpoint, caller(), via=through(token()))
    return out(endpoint)


@bp.route("/webhooks/<int:endpoint_id>/test", methods=["POST"])
@scope_required(SCOPE)
@bp.response(202, DeliveryOut)
def test_webhook(endpoint_id):
    """发送测试事件（Queue a webhook.test event; sent within a minute）"""
    endpoint = permissions.endpoint_or_404(caller(), endpoint_id)
    return _commit(webhooks.send_test_event, endpoint, caller(), via=through(token()))


@bp.route("/webhooks/<int:endpoint_id>/deliveries", methods=["GET"])
@scope_required(SCOPE)
@bp.response(200, DeliveryOut(many=True))
def list_webhook_deliveries(endpoint_id):
    """推送记录（The endpoint's latest 50 deliveries, newest first）"""
    endpoint = permissions.endpoint_or_404(caller(), endpoint_id)
    return db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc()).limit(LOG_LENGTH)).all()


@bp.route("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/again", methods=["POST"])
@scope_required(SCOPE)
@bp.response(202, DeliveryOut)
def send_webhook_again(endpoint_id, delivery_id):
    """重新发送（Send a delivery again: same webhook-id, same body）"""
    _endpoint, delivery = permissions.delivery_or_404(caller(), endpoint_id, delivery_id)
    _commit(webhooks.send_again, delivery, caller(), via=through(token()))
    return delivery


def out(endpoint):
    return {"id": endpoint.id, "url": endpoint.url, "description": endpoint.description,
            "events": endpoint.event_list, "state": endpoint.state,
            "created_at": endpoint.created_at}


def settings_digest(endpoint):
    """What a PATCH may change, digested: the entity tag's value."""
    settings = "\n".join((endpoint.url, endpoint.events, endpoint.description or ""))
    return hashlib.sha256(settings.encode()).hexdigest()[:20]


def _commit(verb, *args, **kwargs):
    """Run a verb and commit; a refusal is rolled back and answered as the API does (422)."""
    with committing(quiet=True) as outcome:
        result = verb(*args, **kwargs)
    if outcome.conflict is not None:
        raise outcome.conflict
    return result
