"""What a step action needs before the workflow moves the step (DESIGN.md §3).

The step's agreement must be sealed (`covered`), and workflow.update_step calls `check`
before it changes the step's status: a rule raises TransitionError for what is missing
and fills in the dates the form may leave empty.
No status changes here: only workflow.py assigns `.status`.
"""
from flask_babel import lazy_gettext as _l

from . import clock
from .i18n import join_list
from .models import AgreementState, StepStatus as SS
from .guards import TransitionError, require


def covered(step):
    """Whether the agreement (or supplement) delegating `step` is sealed, so work may start."""
    return step.agreement is None or step.agreement.state is AgreementState.SEALED


def check(step, action, details):
    """Raise TransitionError unless `details` hold what `action` records; may set
    submitted_on / approved_on in `details` (today when the form left them empty)."""
    ACTION_RULES[action](step, details)


def _rule_submit(step, details):
    missing = [s.item.name for s in _prerequisite_steps(step)
               if s.status not in (SS.APPROVED, SS.NOT_REQUIRED)]
    if missing:
        raise TransitionError(_l("前置事项尚未批准：%(items)s", items=join_list(missing)))
    day = details.get("submitted_on")
    if step.status is SS.RETURNED and day == step.submitted_on:
        day = None   # the form posted back the first filing's date: resubmitted today
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
