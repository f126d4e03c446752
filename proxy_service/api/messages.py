"""A case's messages: read as the case page shows them (scope cases:read; internal notes only
for staff, permissions.visible_messages) and posted through the page's verb (messages:write),
audited with the token's name. Only staff may write an internal note: an enterprise token that
asks for one is refused (403), where the page, whose form has no such box for it, ignores it."""
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from proxy_service import permissions, workflow
from proxy_service.api import bp, present, schemas
from proxy_service.api.guard import caller, scope_required, token
from proxy_service.api.problems import problem
from proxy_service.core.conflicts import committing
from proxy_service.core.extensions import db
from proxy_service.models import Message
from proxy_service.workflow.api_tokens import through

STAFF_NOTES = _l("只有工作人员可以写内部备注。")


@bp.route("/cases/<int:case_id>/messages", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.MessageList)
def list_messages(case_id):
    """案件的留言（A case's messages, oldest first; internal notes for staff only）"""
    case = permissions.case_or_404(caller(), case_id)
    messages = db.session.scalars(permissions.visible_messages(caller(), case).options(
        joinedload(Message.author)).order_by(Message.created_at, Message.id)).all()
    return {"items": [present.message_out(message) for message in messages]}


@bp.route("/cases/<int:case_id>/messages", methods=["POST"])
@scope_required("messages:write")
@bp.arguments(schemas.MessageIn)
@bp.response(201, schemas.MessageOut)
def post_message(message, case_id):
    """发送留言（Post a message; staff may mark it internal）"""
    case = permissions.case_or_404(caller(), case_id)
    internal = message.get("internal", False)
    if internal and not permissions.can_write_internal(caller()):
        return problem(403, STAFF_NOTES)
    with committing(quiet=True) as outcome:
        posted = workflow.post_message(case, caller(), message["body"].strip(),
                                       internal=internal, via=through(token()))
    if outcome.conflict is not None:
        raise outcome.conflict   # rolled back; problems.py answers it as the API does
    return present.message_out(posted)
