"""The step's life (DESIGN.md §3): started, filed, returned for 补正, refiled, approved,
refused, not required; the actions a step form offers come from `moves.STEP_MOVES`.
"""
from proxy_service.calendar import deadlines
from proxy_service.core.conflicts import check_version
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent
from proxy_service.workflow import notices as issued_notices
from proxy_service.workflow import step_rules
from proxy_service.workflow.cases import _close
from proxy_service.workflow.moves import CASE_MOVES, STEP_MOVES, _move


def step_actions(step, blockers=None):
    """The actions legal for `step` now, in the order a form offers them: its status's moves
    that nothing holds back (`blockers`: step_rules.blockers(step), when the caller has them)."""
    found = step_rules.blockers(step) if blockers is None else blockers
    held = frozenset().union(*(blocker.holds for blocker in found))
    return [action for (status, action) in STEP_MOVES
            if status is step.status and action not in held]


def step_waits_on(step):
    """The step_rules.Blocker `step` waits on when nothing moves it forward now (no action
    left, or only "skip"), for lists that would otherwise offer to handle it; else None."""
    found = step_rules.blockers(step)
    forward = [action for action in step_actions(step, found) if action != "skip"]
    return found[0] if found and not forward else None


def update_step(step, actor, *, seen_version, action=None, internal=False, **details):
    """Apply one step form: an optional status action plus the fields it records.

    `details` may hold acceptance_no, submitted_on, approved_on, permit_no, by_commitment,
    correction_request, refusal_reason, refusal_decision_no, not_required_reason and comment,
    and the dates kept on the filing round only (deadlines.ROUND_DATES: refiled_on for a
    refiling after 补正, returned_on, refused_on); an `internal` comment is shown to staff
    only. Raises StaleEdit, TransitionError (StepDateError for a date that cannot be true).
    """
    check_version(step, seen_version)
    comment = details.pop("comment", "") or ""
    step_rules.check(step, action, details)
    _move_or_edit_step(step, actor, action, comment, internal)
    round_dates = {key: details.pop(key, None) for key in deadlines.ROUND_DATES}
    for field, value in details.items():
        if value is not None:
            setattr(step, field, value)
    deadlines.after_step_action(step, action, round_dates)
    db.session.flush()
    if step.case.all_steps_done:
        _move(step.case, CASE_MOVES, "complete", actor)
        _close(step.case)
        issued_notices.on_complete(step.case, actor)
    return step


def _move_or_edit_step(step, actor, action, comment, internal):
    """The step's move by `action` (or an edit), audited; an `internal` comment goes into an
    event of its own, so that the move itself stays visible to the enterprise."""
    # assignment imports the workflow package, which imports this module (issue 16, branch hb)
    from proxy_service.workflow import assignment  # noqa: PLC0415
    public_comment = assignment.on_behalf(actor, step.case) + ("" if internal else comment)
    if action:
        _move(step, STEP_MOVES, action, actor, public_comment)
    else:
        db.session.add(AuditEvent.record(actor, step, "edit", step.status, step.status,
                                         public_comment))
    if internal and comment:
        db.session.add(AuditEvent.record(actor, step, "note", comment=comment, internal=True))
