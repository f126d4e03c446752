"""The case's life (DESIGN.md §3): submitted, accepted, assigned, suspended, resumed,
declined, withdrawn, terminated, completed; and the messages on it. Every verb takes the
actor, writes its AuditEvent through `moves._move` and flushes; the caller commits.

The case verbs build on agreements.py (assigning generates the agreement, ending voids it),
so the move that sealing the agreement makes (SIGNING → IN_PROGRESS) is agreements.start_work.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from proxy_service.calendar import deadlines
from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError, check_version, require
from proxy_service.core.extensions import db
from proxy_service.models import ApprovalItem, Assignment, Case, Message, Role, Step
from proxy_service.models.cases import FINAL_CASE_STATUSES
from proxy_service.workflow import agreements
from proxy_service.workflow import notices as issued_notices
from proxy_service.workflow.moves import CASE_MOVES, CS, SS, _audit_event, _begin, _move


def submit_case(project, actor, *, items, contact_name, contact_mobile, note="", template=None):
    """An enterprise asks for the proxy service on `project` for `items`.

    Raises TransitionError when the project already has an open case or an item
    is not in the project's center's current catalogue.
    """
    if _open_case_exists(project):
        raise TransitionError(_l("该项目已有进行中的代办案件，不能重复申请。"))
    if not items:
        raise TransitionError(_l("请至少选择一项委托代办的审批事项。"))
    if any(item.center_id != project.center_id or item.retired for item in items):
        raise TransitionError(_l("所选事项不在该园区当前的事项目录中。"))
    case = _begin(Case(number=_next_case_number(project.center), center_id=project.center_id,
                       enterprise_id=project.enterprise_id, project=project, template=template,
                       contact_name=contact_name, contact_mobile=contact_mobile, note=note or "",
                       requested_item_ids=",".join(str(i.id) for i in items),
                       submitted_at=clock.now()), CS.SUBMITTED)
    db.session.add(case)
    db.session.flush()
    _audit_event(actor, case, "submit_case", "", CS.SUBMITTED, note)
    db.session.flush()
    return case


def accept_case(case, actor, *, seen_version=None, agent=None, comment=""):
    """Accept a submitted request: one step per requested item; assign `agent` when given.

    Raises TransitionError while the enterprise's licence is not verified.
    """
    check_version(case, seen_version)
    if not case.enterprise.is_verified:
        raise TransitionError(_l("请先核验该企业的营业执照，再受理其代办申请。"))
    _move(case, CASE_MOVES, "accept", actor, comment)
    case.accepted_at = clock.now()
    for item in requested_items(case):   # the steps' ids keep the catalogue's order
        db.session.add(_begin(Step(case=case, item=item, stage=item.stage,
                                   stage_order=item.stage.order, sort=item.sort), SS.PENDING))
    db.session.flush()
    if agent is not None:
        assign_agent(case, actor, agent)
    issued_notices.on_accept(case, actor, comment)
    return case


def requested_items(case):
    """The approval items the case asks for, in the catalogue's order (as the request form
    lists them), not in the order the database happens to return them."""
    return db.session.scalars(select(ApprovalItem)
                              .where(ApprovalItem.id.in_(case.requested_items))
                              .order_by(ApprovalItem.sort, ApprovalItem.id)).all()


def assign_agent(case, actor, agent, reason="", seen_version=None):
    """Name the case's responsible agent; later calls re-assign and need a reason.

    From ACCEPTED the case moves on to SIGNING and its agreement is generated. A re-assignment
    regenerates the agreements not sealed yet (the agent is printed on them); a sealed one stays.
    """
    check_version(case, seen_version)
    if not assignable(agent, case):
        raise TransitionError(_l("只能指派本中心在岗的代办员。"))
    action = "assign" if case.status is CS.ACCEPTED else "reassign"
    if (case.status, action) not in CASE_MOVES:
        raise TransitionError(_l("当前状态“%(status)s”下不能指派代办员。", status=case.status.label))
    if action == "reassign":
        reason = _reassignment_reason(case, agent, reason)
    _move(case, CASE_MOVES, action, actor, _assignment_comment(case, agent, reason, action))
    case.agent = agent
    assignment = Assignment(case=case, agent=agent, assigned_by_id=actor.id, reason=reason,
                            assigned_at=clock.now())
    db.session.add(assignment)
    db.session.flush()
    if agreements.main_agreement(case) is None:
        agreements.generate(case, actor)
    else:
        agreements.refresh(case, actor, _l("改派代办员"))
    issued_notices.on_assign(case, actor, assignment)
    return case


def assignable(agent, case):
    """Whether `agent` may be named the case's responsible agent: an active agent of its center."""
    return agent.role is Role.AGENT and agent.active and agent.center_id == case.center_id


def _reassignment_reason(case, agent, reason):
    """The reason a re-assignment to `agent` needs. Raises TransitionError."""
    if agent.id == case.agent_id:
        raise TransitionError(_l("该案件已由此代办员负责。"))
    return require(reason, _l("改派须填写原因。"))


def _assignment_comment(case, agent, reason, action):
    """The audit text: the agent named, or who took over from whom and why."""
    if action == "assign":
        return agent.name
    previous = case.agent.name if case.agent else ""
    return f"{previous} → {agent.name}：{reason}"  # i18n-keep: audit record


# The center's actions on a case, in the order the case page offers them. A re-assignment is
# the page's "assign" too; "withdraw" is the enterprise's, and "seal" and "complete" follow
# from the agreement and the steps.
MANAGER_ACTIONS = ("accept", "decline", "assign", "suspend", "resume", "terminate")


def case_actions(case):
    """The actions a manager of the case's center may take on it now (CASE_MOVES), in the
    page's order. A request not accepted yet is declined, not terminated."""
    legal = {"assign" if action == "reassign" else action
             for (status, action) in CASE_MOVES if status is case.status}
    if "decline" in legal:
        legal.discard("terminate")
    return [action for action in MANAGER_ACTIONS if action in legal]


def decline_case(case, actor, reason, seen_version=None):
    check_version(case, seen_version)
    reason = require(reason, _l("不予受理须说明理由。"))
    _move(case, CASE_MOVES, "decline", actor, reason)
    _close(case, reason)


def withdraw_case(case, actor, reason, seen_version=None):
    """The enterprise withdraws its request or open case (a termination by the enterprise)."""
    check_version(case, seen_version)
    reason = require(reason, _l("撤回须说明理由。"))
    _move(case, CASE_MOVES, "withdraw", actor, reason)
    _end(case, actor, reason)


def terminate_case(case, actor, reason, seen_version=None):
    """The center ends an open case (终止)."""
    check_version(case, seen_version)
    reason = require(reason, _l("终止须说明理由。"))
    _move(case, CASE_MOVES, "terminate", actor, reason)
    _end(case, actor, reason)


def suspend_case(case, actor, reason, seen_version=None):
    check_version(case, seen_version)
    case.reason = require(reason, _l("中止须说明理由。"))
    _move(case, CASE_MOVES, "suspend", actor, reason)
    deadlines.suspend(case, clock.today(), case.reason)
    db.session.flush()
    issued_notices.on_stop(case, actor)


def resume_case(case, actor, comment="", seen_version=None):
    check_version(case, seen_version)
    _move(case, CASE_MOVES, "resume", actor, comment)
    deadlines.resume(case, clock.today())
    db.session.flush()


def _end(case, actor, reason):
    """A case withdrawn or terminated: closed, its stop notice issued, and an agreement left
    unsigned voided (it must not be signable afterwards)."""
    agreements.void_open(case, actor, reason)
    _close(case, reason)
    issued_notices.on_stop(case, actor)


def _close(case, reason=""):
    case.reason = reason
    case.closed_at = clock.now()
    db.session.flush()


def _open_case_exists(project):
    return db.session.scalar(select(func.count(Case.id)).where(
        Case.project_id == project.id, Case.status.notin_(FINAL_CASE_STATUSES))) > 0


def _next_case_number(center):
    year = clock.today().year
    prefix = f"{center.number_prefix}-{year}-"
    count = db.session.scalar(select(func.count(Case.id)).where(
        Case.center_id == center.id, Case.number.like(prefix + "%")))
    return f"{prefix}{count + 1:05d}"


def post_message(case, actor, body, *, internal=False, step=None, via=""):
    """A message on the case (an internal note when `internal`: staff only). `via` opens the
    audit comment (an API token's name); the message itself is what was written."""
    message = Message(case=case, step=step, author=actor, body=body, internal=internal,
                      created_at=clock.now())
    db.session.add(message)
    _audit_event(actor, case, "note" if internal else "message",
                 comment=via + body, internal=internal)
    db.session.flush()
    return message
