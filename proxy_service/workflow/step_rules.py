"""What a step action needs before the workflow moves the step (DESIGN.md §3).

Two kinds of rule. `blockers` says what holds a step's actions back now — the case is not
in progress, the agreement delegating the step is not sealed yet, its prerequisite items are
not approved — and what ends each wait: workflow.step_actions leaves held actions out,
`check` refuses them, and the step page and the inbox show why (a pure query: it reads the
step, its case, agreement and sibling steps and changes nothing).
`check`, which workflow.update_step calls before anything moves, then raises TransitionError
for what an action must record and is missing, and fills in the dates the form may leave
empty; then `check_dates` refuses, with StepDateError naming the form field, a date that
cannot be true against the clock or the step's filing rounds. These rules live here, not in
the form (which checks only that a date is a date), so that they hold whoever saves the step.
No status changes here: only workflow.py assigns `.status`.
"""
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased

from proxy_service.core import clock
from proxy_service.core.conflicts import StepDateError, TransitionError, require
from proxy_service.core.extensions import db
from proxy_service.core.i18n import join_list
from proxy_service.models import AgreementState, ApprovalItem, Step
from proxy_service.models import CaseStatus as CS
from proxy_service.models import StepStatus as SS
from proxy_service.models.cases import FINAL_CASE_STATUSES
from proxy_service.models.catalog import item_prerequisites

EVERY_ACTION = frozenset({"start", "submit", "return", "approve", "refuse", "skip"})
# The statuses from which a step is still to be filed with its department.
TO_BE_FILED = (SS.PENDING, SS.PREPARING, SS.RETURNED)


@dataclass(frozen=True)
class Link:
    """A page that ends a wait: url_for(endpoint, **dict(values)), shown as `label`."""
    label: str
    endpoint: str
    values: tuple


@dataclass(frozen=True)
class Blocker:
    """Why the actions in `holds` cannot be taken now (`reason`), what ends the wait
    (`unblock`, may be empty when nothing will) and the pages where that happens."""
    holds: frozenset
    reason: str
    unblock: str
    links: tuple = ()

    @property
    def holds_everything(self):
        return self.holds >= EVERY_ACTION


def covered(step):
    """Whether the agreement (or supplement) delegating `step` is sealed, so work may start."""
    return step.agreement is None or step.agreement.state is AgreementState.SEALED


def blockers(step):
    """What holds `step`'s actions back now, the most fundamental first; () when nothing,
    and for a step that is done (approved, refused, not required): it waits for nothing."""
    if step.status.is_done:
        return ()
    found = [_case_blocker(step) or agreement_blocker(step.agreement), _prerequisite_blocker(step)]
    return tuple(blocker for blocker in found if blocker is not None)


def blockers_in_progress(status, agreement, unapproved):
    """blockers() of a step of a case in progress (nothing on the case holds it) known by its
    parts, for a list that reads them for many steps at once: its `status`, the agreement
    delegating it (None: the case's main one) and its case's `unapproved` prerequisite steps
    (Prerequisite rows, unapproved_prerequisites_of)."""
    if status.is_done:
        return ()
    found = [agreement_blocker(agreement),
             prerequisite_blocker(unapproved) if status in TO_BE_FILED else None]
    return tuple(blocker for blocker in found if blocker is not None)


def holding(step, action):
    """The first of the step's blockers that holds `action` back, or None."""
    return next((blocker for blocker in blockers(step) if action in blocker.holds), None)


def check(step, action, details):
    """Raise TransitionError unless the case is in progress, nothing holds `action` (None:
    information only) back and `details` hold what it records; may set submitted_on /
    approved_on in `details` (today when the form left them empty). Then StepDateError for a
    date that cannot be true (check_dates)."""
    if step.case.status is not CS.IN_PROGRESS:
        raise TransitionError(_l("案件不在办理中，不能更新事项。"))
    blocker = holding(step, action) if action else None
    if blocker is not None:
        raise TransitionError(_l("%(reason)s%(unblock)s", reason=blocker.reason,
                                 unblock=blocker.unblock))
    if action:
        ACTION_RULES[action](step, details)
    check_dates(step, action, details)


# --- what holds a step back --------------------------------------------------------------

def _case_link(case):
    return Link(_l("案件 %(number)s", number=case.number), "cases.detail", (("case_id", case.id),))


def _case_blocker(step):
    case = step.case
    if case.status is CS.SUSPENDED:
        return Blocker(EVERY_ACTION, _l("案件已中止，各事项暂停办理。"),
                       _l("服务中心管理员在案件页面恢复办理后即可继续。"), (_case_link(case),))
    if case.status in FINAL_CASE_STATUSES:
        return Blocker(EVERY_ACTION, _l("案件已结束（%(status)s），事项不再办理。",
                                        status=case.status.label), "", (_case_link(case),))
    if case.status is not CS.IN_PROGRESS and covered(step):   # no agreement generated yet
        return Blocker(EVERY_ACTION, _l("案件尚未签订代办委托协议。"),
                       _l("管理员受理并指派代办员、双方签署协议并加盖电子印章后即可办理。"),
                       (_case_link(case),))
    return None


# What an unsealed agreement waits for, by its state: (reason, what ends the wait).
AGREEMENT_WAITS = {
    AgreementState.AWAITING_ENTERPRISE: (
        _l("《%(kind)s》尚待企业签署。"),
        _l("企业签署、服务中心会签并加盖电子印章后，即可办理本事项。")),
    AgreementState.AWAITING_PAPER_CHECK: (
        _l("《%(kind)s》的纸质签署件尚待核对。"),
        _l("代办员核对扫描件、服务中心会签并加盖电子印章后，即可办理本事项。")),
    AgreementState.AWAITING_CENTER: (
        _l("《%(kind)s》尚待服务中心会签。"),
        _l("服务中心会签并加盖电子印章后，即可办理本事项。")),
    AgreementState.VOID: (_l("《%(kind)s》已作废。"), ""),
}


def agreement_blocker(agreement):
    """What the agreement (or supplement) delegating a step holds back until it is sealed;
    None for a sealed one, or none (the step is the main agreement's)."""
    if agreement is None or agreement.state is AgreementState.SEALED:
        return None
    reason, unblock = AGREEMENT_WAITS[agreement.state]
    link = Link(_l("《%(kind)s》%(number)s", kind=agreement.kind.label, number=agreement.number),
                "agreements.detail", (("agreement_id", agreement.id),))
    return Blocker(EVERY_ACTION, reason % {"kind": agreement.kind.label}, unblock, (link,))


class Prerequisite(NamedTuple):
    """A step of a prerequisite item, not approved (nor waived) yet, that a step waits for."""
    case_id: int
    id: int
    item_name: str
    status: SS


# A prerequisite step in one of these lets the steps depending on it be filed.
CLEARED = (SS.APPROVED, SS.NOT_REQUIRED)


def _prerequisite_blocker(step):
    if step.status not in TO_BE_FILED:
        return None
    return prerequisite_blocker(_unapproved_prerequisites(step))


def prerequisite_blocker(waiting):
    """What the `waiting` Prerequisite steps hold back (filing); None when there are none."""
    if not waiting:
        return None
    links = tuple(Link(_l("%(item)s（%(status)s）", item=other.item_name, status=other.status.label),
                       "cases.step", (("case_id", other.case_id), ("step_id", other.id)))
                  for other in waiting)
    return Blocker(frozenset({"submit"}),
                   _l("前置事项尚未批准：%(items)s", items=join_list([s.item_name for s in waiting])),
                   _l("前置事项批准（或确认无需办理）后，方可报送审批部门。"), links)


def _unapproved_prerequisites(step):
    """The case's steps of `step`'s prerequisite items that are neither approved nor waived
    (an item the case does not delegate is the enterprise's own affair), as Prerequisites."""
    wanted = {item.id for item in step.item.prerequisites}
    return [Prerequisite(other.case_id, other.id, other.item.name, other.status)
            for other in step.case.steps if other.item_id in wanted and other.status not in CLEARED]


def unapproved_prerequisites_of(step_ids):
    """_unapproved_prerequisites of each of the steps `step_ids`, in one statement (also
    when there are none: a page's statements do not depend on its rows): {step id:
    [Prerequisite]}, each list in the case's order of steps."""
    found = {}
    for waiting_id, *prerequisite in db.session.execute(_prerequisites_query(),
                                                        {"step_ids": step_ids}):
        found.setdefault(waiting_id, []).append(Prerequisite(*prerequisite))
    return found


@cache
def _prerequisites_query():
    """Built once: the step ids are its parameter."""
    other = aliased(Step)
    return (select(Step.id.label("waiting_id"), other.case_id, other.id, ApprovalItem.name,
                   other.status)
            .join(item_prerequisites, item_prerequisites.c.item_id == Step.item_id)
            .join(other, and_(other.case_id == Step.case_id,
                              other.item_id == item_prerequisites.c.prerequisite_id))
            .join(ApprovalItem, ApprovalItem.id == other.item_id)
            .where(Step.id.in_(bindparam("step_ids", expanding=True)),
                   other.status.notin_(CLEARED))
            .order_by(other.stage_order, other.sort, other.id))


# --- what an action records ---------------------------------------------------------------

def _rule_submit(step, details):
    # Its prerequisites are a blocker (update_step refuses a held action before this runs).
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
