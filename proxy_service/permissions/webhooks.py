"""Webhook endpoints: whose they are, and which endpoints see a case.

An endpoint belongs to a center (its managers manage it) or to an enterprise (its users do);
it sees what that owner sees: a center's endpoint the center's cases (as visible_cases shows them
to a manager), an enterprise's endpoint the enterprise's own cases, never an internal event.
"""
from flask import abort
from sqlalchemy import or_, select

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


def endpoints_seeing(cases):
    """The live endpoints that may see one of `cases` (of their centers or enterprises), as
    a query: one statement for all the events of a flush; endpoint_sees decides per event."""
    centers = {case.center_id for case in cases}
    enterprises = {case.enterprise_id for case in cases if case.enterprise_id is not None}
    return (select(WebhookEndpoint)
            .where(or_(WebhookEndpoint.center_id.in_(centers),
                       WebhookEndpoint.enterprise_id.in_(enterprises)),
                   WebhookEndpoint.state != EndpointState.DISABLED)
            .order_by(WebhookEndpoint.id))


def endpoint_sees(endpoint, case, *, internal=False):
    """Whether `endpoint`'s owner sees `case` (an `internal` event: the center's endpoints
    only). Checked when the event is written and again when its payload is rendered."""
    if endpoint.center_id is not None:
        return case.center_id == endpoint.center_id
    return (not internal and endpoint.enterprise_id is not None
            and case.enterprise_id == endpoint.enterprise_id)
