"""What a step action needs before the workflow moves the step (DESIGN.md §3).

The step's agreement must be sealed (`covered`), and workflow.update_step calls `check`
before it changes the step: a rule raises TransitionError for what the action is missing
and fills in the dates the form may leave empty; then `check_dates` refuses, with
StepDateError naming the form field, a date that cannot be true against the clock or the
step's filing rounds. The rule lives here, not in the form (which checks only that a date
is a date), so that it holds whoever saves the step.
No status changes here: only workflow.py assigns `.status`.
"""
from flask_babel import lazy_gettext as _l

from . import clock
from .i18n import join_list
from .models import AgreementState, StepStatus as SS
from .guards import StepDateError, TransitionError, require


def covered(step):
    """Whether the agreement (or supplement) delegating `step` is sealed, so work may start."""
    return step.agreement is None or step.agreement.state is AgreementState.SEALED


def check(step, action, details):
    """Raise TransitionError unless `details` hold what `action` (None: information only)
    records; may set submitted_on / approved_on in `details` (today when the form left them
    empty). Then StepDateError for a date that cannot be true (check_dates)."""
    if action:
        ACTION_RULES[action](step, details)
    check_dates(step, action, details)


def _rule_submit(step, details):
    missing = [s.item.name for s in _prerequisite_steps(step)
               if s.status not in (SS.APPROVED, SS.NOT_REQUIRED)]
    if missing:
        raise TransitionError(_l("前置事项尚未批准：%(items)s", items=join_list(missing)))
    # A refiling after 补正 has a field of its own: 报送日期 still shows the last filing.
    day = details.get("refiled_on" if step.status is SS.RETURNED else "submitted_on")
    details["submitted_on"] = day or clock.today()


def _rule_return(step, details):
    require(details.get("correction_request"), _l("退回补正须写明需补正的内容。"))


def _rule_approve(step, details):
    require(details.get("permit_no"), _l("批准须填写批文或证照编号。"))
    details["approved_on"] = details.get("approved_on") or clock.today()


def _rule_refuse(step, details):
    require(details.get("refusal_reason"), _l("不予许可须填写理由。"))


def _rule_skip(step, details):
    require(details.get("not_required_reason"), _l("无需办理须说明原因。"))


ACTION_RULES = {"start": lambda step, details: None, "submit": _rule_submit,
                "return": _rule_return, "approve": _rule_approve, "refuse": _rule_refuse,
                "skip": _rule_skip}


def _prerequisite_steps(step):
    wanted = {item.id for item in step.item.prerequisites}
    return [other for other in step.case.steps if other.item_id in wanted]


# --- the dates of a step's filing rounds ----------------------------------------------

# The form field the date of each action comes from (its error is shown there).
ENDING_FIELDS = {"approve": "approved_on", "return": "returned_on", "refuse": "refused_on"}


def check_dates(step, action, details):
    """Raise StepDateError unless the dates this save records can be true: a filing, return
    or decision no later than today, a return or decision no earlier than its round's filing,
    a refiling no earlier than the return it answers. Dates the save leaves as they are
    are not judged. Runs after `check` filled in the dates."""
    rounds = list(step.rounds)
    filed, filing_field = _filing(step, action, details)
    ended, ending_field = _ending(step, action, details, rounds)
    today = clock.today()
    for day, field in ((filed, filing_field), (ended, ending_field)):
        if field and day > today:
            raise StepDateError(field, _l("不能晚于今天（%(day)s）。", day=today.isoformat()))
    returned = _previous_return(action, rounds)
    if filing_field and returned and filed < returned:
        raise StepDateError(filing_field, _l("不能早于退回补正日期（%(day)s）。",
                                             day=returned.isoformat()))
    if filed and ended and ended < filed and (filing_field or ending_field):
        if ending_field:
            raise StepDateError(ending_field, _l("不能早于报送日期（%(day)s）。",
                                                 day=filed.isoformat()))
        raise StepDateError(filing_field, _l("不能晚于该次报送的退回或决定日期（%(day)s）。",
                                             day=ended.isoformat()))


def _filing(step, action, details):
    """(the current round's filing date after the save, its form field when the save sets it)."""
    day = details.get("submitted_on")
    if action == "submit":
        return day, "refiled_on" if step.status is SS.RETURNED else "submitted_on"
    if day is not None and day != step.submitted_on:
        return day, "submitted_on"       # a filing date corrected
    return step.submitted_on, None


def _ending(step, action, details, rounds):
    """(the day the current round ends after the save, its form field when the save sets it)."""
    field = ENDING_FIELDS.get(action)
    if field:
        return details.get(field) or clock.today(), field
    day = details.get("approved_on")
    if action is None and step.status is SS.APPROVED and day not in (None, step.approved_on):
        return day, "approved_on"        # an approval date corrected
    if action == "submit" or not rounds:
        return None, None
    return rounds[-1].returned_on or rounds[-1].decided_on, None


def _previous_return(action, rounds):
    """The return the current round's filing answers (None for a first filing)."""
    answered = rounds if action == "submit" else rounds[:-1]
    return answered[-1].returned_on if answered else None
