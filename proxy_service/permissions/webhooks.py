"""Webhook endpoints: whose they are, and which endpoints see a case.

An endpoint belongs to a center (its managers manage it) or to an enterprise (its users do);
it sees what that owner sees: a center's endpoint the center's cases (as visible_cases shows them
to a manager), an enterprise's endpoint the enterprise's own cases, never an internal event.
"""
from flask import abort
from sqlalchemy import and_, or_, select

from proxy_service.core.extensions import db
from proxy_service.models import EndpointState, Role, WebhookDelivery, WebhookEndpoint


def visible_endpoints(user):
    """The endpoints `user` manages: a manager's center's, an enterprise user's enterprise's."""
    query = select(WebhookEndpoint)
    if user.role is Role.MANAGER:
        return query.where(WebhookEndpoint.center_id == user.center_id)
    if user.role is Role.ENTERPRISE and user.enterprise_id:
        return query.where(WebhookEndpoint.enterprise_id == user.enterprise_id)
    return query.where(False)


def can_manage_webhooks(user):
    return user.role is Role.MANAGER or (user.role is Role.ENTERPRISE and bool(user.enterprise_id))


def endpoint_or_404(user, endpoint_id):
    return db.first_or_404(visible_endpoints(user).where(WebhookEndpoint.id == endpoint_id))


def delivery_or_404(user, endpoint_id, delivery_id):
    endpoint = endpoint_or_404(user, endpoint_id)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        abort(404)
    return endpoint, delivery


def endpoints_seeing(case, *, internal=False):
    """The live endpoints whose owner sees `case` (and, for an `internal` event, only the
    center's), as a query."""
    sees = WebhookEndpoint.center_id == case.center_id
    if not internal:
        sees = or_(sees, and_(WebhookEndpoint.enterprise_id.isnot(None),
                              WebhookEndpoint.enterprise_id == case.enterprise_id))
    return (select(WebhookEndpoint).where(sees, WebhookEndpoint.state != EndpointState.DISABLED)
            .order_by(WebhookEndpoint.id))


def endpoint_sees(endpoint, case):
    """Whether `endpoint`'s owner sees `case` now (checked again when a payload is rendered)."""
    if endpoint.center_id is not None:
        return case.center_id == endpoint.center_id
    return endpoint.enterprise_id is not None and case.enterprise_id == endpoint.enterprise_id
