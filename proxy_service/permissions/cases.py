"""Cases and their steps: who sees them (visible_cases, the loaders), what of a case's messages,
events and notices the user sees, and who may act on them.

An agent's cases are those assigned to them and those of absent colleagues they substitute
for today (substitutes.py); every agent check here goes through that.
"""
from flask import abort
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Case, CaseStatus, IssuedNotice, Message, Role, Step
from proxy_service.permissions.substitutes import acts_for, agents_covered_by


def visible_cases(user):
    """The cases `user` may see, as a query: callers never filter by hand."""
    query = select(Case)
    if user.role is Role.ENTERPRISE:
        return query.where(Case.enterprise_id == (user.enterprise_id or -1))
    query = query.where(Case.center_id == user.center_id)
    if user.role is Role.AGENT:   # own cases and those of absent colleagues they substitute for
        return query.where(Case.agent_id.in_(agents_covered_by(user)))
    return query


def case_or_404(user, case_id, *options):
    """The case if `user` may see it (404 otherwise), loaded with the given loader options."""
    return db.first_or_404(visible_cases(user).where(Case.id == case_id).options(*options))


def step_or_404(user, case_id, step_id):
    case = case_or_404(user, case_id)
    step = db.session.get(Step, step_id)
    if step is None or step.case_id != case.id:
        abort(404)
    return step


def notice_or_404(user, case_id, notice_id):
    """(the case, its issued notice) when `user` sees the case and the notice is on it."""
    case = case_or_404(user, case_id)
    notice = db.session.scalar(select(IssuedNotice).where(
        IssuedNotice.id == notice_id, IssuedNotice.case_id == case.id))
    if notice is None:
        abort(404)
    return case, notice


def visible_messages(user, case):
    """The messages on `case` that `user` reads, as a query."""
    return _staff_only_internal(user, Message, select(Message).where(Message.case_id == case.id))


def visible_case_events(user, case):
    """The audit events of `case` that `user` reads, as a query."""
    return _staff_only_internal(user, AuditEvent,
                                select(AuditEvent).where(AuditEvent.case_id == case.id))


def _staff_only_internal(user, model, query):
    """An entry marked internal (a note, an event about one) is the staff's: an enterprise
    user reads the others only."""
    return query.where(model.internal.is_(False)) if user.is_enterprise else query


# --- predicates (also used by templates to show a button only when allowed) ---

def can_update_case(user, case):
    """Managers of the center handle requests and the case's life cycle."""
    return user.role is Role.MANAGER and case.center_id == user.center_id


def can_open_step(user, step):
    """The staff handling the step's case may open its page while the case is open, also when
    nothing can be done on it now: the page says what it waits for (step_rules.blockers)."""
    return can_open_steps(user, step.case)


def can_update_step(user, step):
    return can_update_steps(user, step.case)


def can_open_steps(user, case):
    """can_open_step of every step of `case`: the same for each (it depends on the case only),
    so the status page keys its cached steps by one outcome, not one a step."""
    if case.center_id != user.center_id or not case.is_open:
        return False
    return user.role is Role.MANAGER or (user.role is Role.AGENT and acts_for(user, case.agent_id))


def can_update_steps(user, case):
    """can_update_step of every step of `case` (as can_open_steps)."""
    return can_open_steps(user, case) and case.status is CaseStatus.IN_PROGRESS


def can_withdraw_case(user, case):
    return user.role is Role.ENTERPRISE and case.enterprise_id == user.enterprise_id and case.is_open


def can_write_internal(user):
    return user.is_staff


def can_export_dossier(user, case):
    """The case's dossier (案卷, internal notes included): the staff who handle the case."""
    return handles_case(user, case)


def handles_case(user, case):
    """Staff who handle the case: a manager of its center, its agent, or the colleague who
    substitutes for the agent today (as can_open_step)."""
    if case.center_id != user.center_id:
        return False
    return user.role is Role.MANAGER or (user.role is Role.AGENT and acts_for(user, case.agent_id))
