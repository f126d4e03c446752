"""A case's audit trail (scope cases:read): the events its page's timeline shows to the
caller (permissions.visible_case_events): staff every event, an enterprise those not
marked internal. A case out of reach is 404."""
from sqlalchemy.orm import joinedload

from proxy_service import permissions
from proxy_service.api import bp, present, schemas
from proxy_service.api.guard import caller, scope_required
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent


@bp.route("/cases/<int:case_id>/audit", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.AuditTrail)
def case_audit(case_id):
    """案件操作日志（A case's audit trail, oldest first, as its page shows it to you）"""
    user = caller()
    case = permissions.case_or_404(user, case_id)
    events = db.session.scalars(permissions.visible_case_events(user, case).options(
        joinedload(AuditEvent.actor)).order_by(AuditEvent.at, AuditEvent.id)).all()
    return {"items": [present.audit_event_out(event) for event in events]}
