"""Due dates of steps and promised completion dates of cases (DESIGN.md §4).

workflow.py calls the on_*/start_case/suspend/resume hooks inside its verbs. Every date is
derived from the stored history (filing rounds, suspension periods, the day work started)
under the current working-day calendar, so a calendar change can derive it again
(deadline_recompute.py) and a report can tell what stood on a past day. lights.py reads the
dates these set.
"""
import math
from datetime import timedelta

from proxy_service.calendar import workdays
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import LimitUnit, StepRound, StepStatus, Suspension

# --- step clocks ---------------------------------------------------------------------

def limit_in_workdays(limit, unit):
    """A promised limit in working days; calendar days scaled by 5/7 (for chains only)."""
    return limit if unit is LimitUnit.WORKDAY else math.ceil(limit * 5 / 7)


def limit_end(day, limit, unit):
    """The last day of a limit counted from `day`: working days, or calendar days where a
    limit ending on a rest day moves to the next working day (民法典 art. 203)."""
    if unit is LimitUnit.CALENDAR_DAY:
        return workdays.next_workday(day + timedelta(days=limit))
    return workdays.add_workdays(day, limit)


def promised_due(item, day):
    """The due date of `item` filed on `day`, before any pause."""
    return limit_end(day, item.promised_limit, item.promised_unit)


# Dates a step form records on the filing round, not on the step itself (a refiling's
# becomes the step's submitted_on through step_rules); workflow.update_step takes them apart.
ROUND_DATES = ("refiled_on", "returned_on", "refused_on")


def after_step_action(step, action, dates):
    """The filing rounds and the department's clock follow the step's action (None: a save
    of its details), and its last round any filing or approval date the form corrected."""
    if action == "submit":
        on_submit(step, step.submitted_on)
        return
    on_correction(step)
    if action == "return":
        on_return(step, dates["returned_on"] or clock.today(), step.correction_request)
    elif action == "approve":
        on_decision(step, step.approved_on)
    elif action == "refuse":
        on_decision(step, dates["refused_on"] or clock.today())


def on_submit(step, day):
    """The step was filed on `day` (报送): a new round starts, with the item's promised limit
    on the first filing, or the working days left at the last return after 补正."""
    with db.session.no_autoflush:   # loading item, rounds and center must not flush the step twice
        rounds = list(step.rounds)
        if step.remaining_workdays is not None:    # refiled after 补正
            allotted, unit = step.remaining_workdays, LimitUnit.WORKDAY
        else:
            allotted, unit = step.item.promised_limit, step.item.promised_unit
        step.rounds.append(StepRound(number=len(rounds) + 1, filed_on=day, allotted=allotted,
                                     allotted_unit=unit))
        step.remaining_workdays = None
        refresh_step(step)


def on_return(step, day, correction_request=""):
    """The step came back for correction (补正) on `day`: its clock pauses with the working
    days it had left, which the next filing starts from."""
    current = _open_round(step)
    remaining = max(0, workdays.workdays_between(day, step.due_on)) if step.due_on else 0
    if current is not None:
        current.returned_on, current.remaining_workdays = day, remaining
        current.correction_request = correction_request or ""
    step.remaining_workdays = remaining
    step.due_on = step.yellow_on = None


def on_decision(step, day):
    """The department approved or refused the step on `day`: its round ends."""
    current = _open_round(step)
    if current is not None:
        current.decided_on = day


def on_correction(step):
    """The step's form corrected its filing or approval date: the last round follows (and the
    due date, while the round runs)."""
    with db.session.no_autoflush:
        rounds = step.rounds
    if not rounds:
        return
    last = rounds[-1]
    if step.submitted_on is not None and step.submitted_on != last.filed_on:
        last.filed_on = step.submitted_on
        refresh_step(step)
    if step.status is StepStatus.APPROVED and step.approved_on != last.decided_on:
        last.decided_on = step.approved_on


def _open_round(step):
    with db.session.no_autoflush:
        rounds = step.rounds
    return rounds[-1] if rounds and rounds[-1].is_open else None


def suspend(case, day, reason=""):
    """The case is suspended (中止) from `day`: every clock stops until it resumes."""
    case.suspended_on = day
    case.suspensions.append(Suspension(started_on=day, reason=reason or ""))


def resume(case, day):
    """The suspension ends on `day`: the running steps' due dates and the promised date move
    by the working days it lasted (derived again from the stored periods; shifted, where
    there is no stored history)."""
    # No autoflush while the steps load: the case's whole change stays one UPDATE (one version).
    with db.session.no_autoflush:
        current = next((s for s in case.suspensions if s.ended_on is None), None)
        if current is not None:
            current.ended_on = day
        shift = workdays.workdays_between(case.suspended_on, day) if case.suspended_on else 0
        case.suspended_on = None
        for step in list(case.steps):
            if step.status is StepStatus.SUBMITTED and step.rounds:
                refresh_step(step)
            elif step.status is StepStatus.SUBMITTED:
                _shift_step(step, shift)
        if case.started_on is not None:
            refresh_promised(case)
        elif case.promised_on is not None:
            case.promised_on = workdays.add_workdays(case.promised_on, shift)


def _shift_step(step, shift):
    """A step with no stored round (filed before rounds were, with no submit event the
    backfill could rebuild one from) moves by the working days suspended, as it did then."""
    if step.due_on is not None:
        step.due_on = workdays.add_workdays(step.due_on, shift)
        step.yellow_on = yellow_of(step.case.center.yellow_days, step.due_on,
                                   step.allotted_workdays)


def start_case(case, day=None):
    """Work starts (the case enters IN_PROGRESS): the promised completion date is `day` plus the
    template's overall limit or, without one, the longest prerequisite chain, in working days."""
    case.started_on = day or clock.today()
    with db.session.no_autoflush:
        template = case.template
        limit = template.overall_limit if template and template.overall_limit \
            else chain_workdays(case)
        case.promised_workdays = limit or None
        refresh_promised(case)


# --- dates derived from the stored history ---------------------------------------------

def _round_end(filing):
    """The last day of a round's clock, before any suspension moved it."""
    return limit_end(filing.filed_on, filing.allotted, filing.allotted_unit)


def _ended_workdays(periods, since, day=None):
    """Working days in the suspension `periods` that began on or after `since` and had ended
    (by the end of `day`, when given)."""
    return sum(workdays.workdays_between(period.started_on, period.ended_on) for period in periods
               if period.ended_on is not None and period.started_on >= since
               and (day is None or period.ended_on <= day))


def due_of(step):
    """(due_on, allotted_workdays) of a step with the department, derived from its rounds and
    the case's suspensions under the current calendar; None when no round is running."""
    with db.session.no_autoflush:
        rounds = list(step.rounds)
        if not rounds or not rounds[-1].is_open:
            return None
        due, allotted = due_from(rounds, step.case.suspensions)
        return due, _allotted(step, rounds, allotted)


def due_from(rounds, suspensions, day=None):
    """(due_on, allotted_workdays) of the last of a step's `rounds` (filed, in order): its
    end moved by the case's `suspensions` that had ended by the end of `day` (all ended ones
    when None). With `day` it is the due date as it stood then, under the current calendar."""
    current, first = rounds[-1], rounds[0]
    due = workdays.add_workdays(_round_end(current),
                                _ended_workdays(suspensions, current.filed_on, day))
    return due, workdays.workdays_between(first.filed_on, _round_end(first))


def _allotted(step, rounds, counted):
    """The working days the first filing gave the department: `counted` from its limit under
    the current calendar while that round runs. Once it came back for 补正 the number is
    history: a day changed before the last filing changes nothing."""
    if len(rounds) > 1 and step.allotted_workdays is not None:
        return step.allotted_workdays
    return counted


def dates_of(step):
    """(due_on, allotted_workdays, yellow_on) of a step with the department, derived from its
    history under the current calendar; None when no round is running."""
    derived = due_of(step)
    if derived is None:
        return None
    due, allotted = derived
    return due, allotted, yellow_of(step.case.center.yellow_days, due, allotted)


def refresh_step(step):
    """Set the step's due date, allotted working days and yellow day from its history (a no-op
    for a step with no running round). Returns (old due date, new due date)."""
    old, dates = step.due_on, dates_of(step)
    if dates is not None:
        step.due_on, step.allotted_workdays, step.yellow_on = dates
    return old, step.due_on


def promised_of(case):
    """The case's promised completion date from its start, its promised working days and its
    ended suspensions, under the current calendar; None before work started."""
    if case.started_on is None or case.promised_workdays is None:
        return None
    with db.session.no_autoflush:
        return workdays.add_workdays(
            workdays.add_workdays(case.started_on, case.promised_workdays),
            _ended_workdays(case.suspensions, case.started_on))


def refresh_promised(case):
    """Set case.promised_on from its history. Returns (old, new)."""
    old = case.promised_on
    if case.started_on is not None:
        case.promised_on = promised_of(case)
    return old, case.promised_on


def yellow_of(yellow_days, due, allotted):
    """Yellow from the day only `yellow_days` working days are left (the center's setting) or
    80 % of the allotted working days are used, whichever comes first."""
    return workdays.add_workdays(due, -max(yellow_days, (allotted or 0) // 5))


def chain_workdays(case):
    """Sum of promised limits (working days) along the longest prerequisite chain of the
    case's items; prerequisites outside the case do not count."""
    items = {step.item_id: step.item for step in case.steps}
    lengths = {}

    def length(item, seen=frozenset()):
        if item.id not in lengths:
            before = [length(p, seen | {item.id}) for p in item.prerequisites
                      if p.id in items and p.id not in seen]
            lengths[item.id] = limit_in_workdays(item.promised_limit, item.promised_unit) \
                + max(before, default=0)
        return lengths[item.id]

    return max((length(item) for item in items.values()), default=0)
