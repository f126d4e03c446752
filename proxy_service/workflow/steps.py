"""The step's life (DESIGN.md §3): started, filed, returned for 补正, refiled, approved,
refused, not required; the actions a step form offers come from `moves.STEP_MOVES`.
"""
from flask_babel import lazy_gettext as _l

from proxy_service.calendar import deadlines
from proxy_service.core.conflicts import check_version
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.models import Message, Role
from proxy_service.workflow import notices as issued_notices
from proxy_service.workflow import step_rules
from proxy_service.workflow.cases import _close
from proxy_service.workflow.documents import store_document
from proxy_service.workflow.moves import CASE_MOVES, STEP_MOVES, _audit_event, _fill, _move

# What a step form records on the step itself (the filing round's dates aside), in the
# form's order: update_step writes these and nothing else.
STEP_FIELDS = ("acceptance_no", "submitted_on", "approved_on", "permit_no", "by_commitment",
               "correction_request", "refusal_reason", "refusal_decision_no",
               "not_required_reason")


def step_actions(step, blockers=None):
    """The actions legal for `step` now, in the order a form offers them: its status's moves
    that nothing holds back (`blockers`: step_rules.blockers(step), when the caller has them)."""
    found = step_rules.blockers(step) if blockers is None else blockers
    return _actions(step.status, found)


def _actions(status, found):
    held = frozenset().union(*(blocker.holds for blocker in found))
    return [action for (moving, action) in STEP_MOVES if moving is status and action not in held]


def step_waits_on(step):
    """The step_rules.Blocker `step` waits on when nothing moves it forward now (no action
    left, or only "skip"), for lists that would otherwise offer to handle it; else None."""
    return waits_on(step.status, step_rules.blockers(step))


def waits_on(status, found):
    """step_waits_on of a step of `status` held back by the blockers `found` (a list reading
    them in bulk: step_rules.blockers_in_progress)."""
    forward = [action for action in _actions(status, found) if action != "skip"]
    return found[0] if found and not forward else None


def update_step(step, actor, *, seen_version, action=None, note="", internal=False,
                document=None, document_kind="permit", via="", **details):
    """Apply one step form: an optional status action, the fields it records, the form's note
    and the document uploaded with it.

    `details` may hold the STEP_FIELDS and the dates kept on the filing round only
    (deadlines.ROUND_DATES: refiled_on for a refiling after 补正, returned_on, refused_on);
    None (or blank text) leaves a field as it is; text is stored trimmed. `note` goes into the
    step's audit event and onto the case as a Message; an `internal` one is shown to staff
    only. `document` (a werkzeug FileStorage) is stored as a Document of the step, of
    `document_kind`. Raises StaleEdit, TransitionError (StepDateError for a date that cannot
    be true), UploadError; TypeError for a field the form does not record. `via` opens the step's audit comment when the actor
    acts through something other than the pages (an API token: workflow.api_tokens.through).
    """
    if unknown := details.keys() - {*STEP_FIELDS, *deadlines.ROUND_DATES}:
        raise TypeError(f"update_step() records no {sorted(unknown)}")
    details = {name: _trimmed(value) for name, value in details.items()}
    # The document first: when this update completes the case, the 办结单 issued below
    # lists the permit uploaded with the last approval.
    if document:
        store_document(document, kind=document_kind, uploader=actor, case=step.case, step=step)
    check_version(step, seen_version)
    step_rules.check(step, action, details)
    _move_or_edit_step(step, actor, action, note, internal, via)
    round_dates = {key: details.pop(key, None) for key in deadlines.ROUND_DATES}
    _fill(step, {field: value for field, value in details.items() if value is not None})
    deadlines.after_step_action(step, action, round_dates)
    db.session.flush()
    if step.case.all_steps_done:
        _move(step.case, CASE_MOVES, "complete", actor)
        _close(step.case)
        issued_notices.on_complete(step.case, actor)
    if note:
        db.session.add(Message(case=step.case, step=step, author=actor, body=note,
                               internal=internal))
    return step


def _trimmed(value):
    """Text without surrounding spaces; blank text is None ("leave the field as it is"), from
    the page and the API alike."""
    return (value.strip() or None) if isinstance(value, str) else value


def _move_or_edit_step(step, actor, action, note, internal, via):
    """The step's move by `action` (or an edit), audited; an `internal` note goes into an
    event of its own, so that the move itself stays visible to the enterprise."""
    public_comment = via + on_behalf(actor, step.case) + ("" if internal else note)
    if action:
        _move(step, STEP_MOVES, action, actor, public_comment)
    else:
        _audit_event(actor, step, "edit", step.status, step.status,
                     public_comment)
    if internal and note:
        _audit_event(actor, step, "note", comment=note, internal=True)


def on_behalf(actor, case):
    """"（代X办理）" when an agent acts on a colleague's case, as their substitute during an
    absence (permissions decide whether they may): the audit records for whom."""
    if actor.role is Role.AGENT and case.agent is not None and case.agent_id != actor.id:
        return in_record_language(_l("（代%(name)s办理）", name=case.agent.name))
    return ""
