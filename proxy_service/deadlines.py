"""Due dates of steps, promised completion dates of cases, and traffic lights (DESIGN.md §4).

workflow.py calls the on_*/start_case/suspend/resume hooks inside its verbs; pages read
lights and clocks through the template globals at the bottom. Lights compare today with
dates stored on the step (due_on, yellow_on), so lists filter and sort by them in SQL.
"""
import enum
import math
from dataclasses import dataclass
from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case as when, func, select

from . import clock, statutory_holidays, workdays
from .extensions import db
from .models import Case, CaseStatus, LimitUnit, Step, StepStatus


class Light(str, enum.Enum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    NONE = "none"

    @property
    def rank(self):
        """Most urgent first: the order lists sort by."""
        return list(Light).index(self)

    @property
    def label(self):
        return LIGHT_LOOKS[self][0]

    @property
    def icon(self):
        return LIGHT_LOOKS[self][1]

    @property
    def color(self):
        return LIGHT_LOOKS[self][2]


# A word and an icon as well as a colour: the light must not depend on seeing colour.
LIGHT_LOOKS = {
    Light.RED: (_l("超期"), "exclamation-octagon-fill", "danger"),
    Light.YELLOW: (_l("临近到期"), "exclamation-triangle-fill", "warning"),
    Light.GREEN: (_l("正常"), "check-circle-fill", "success"),
    Light.NONE: (_l("未计时"), "dash-circle", "secondary"),
}
FILTER_LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN)


def parse_light(value):
    """The light asked for by ?light=, or None for anything else."""
    return next((light for light in FILTER_LIGHTS if light.value == value), None)


# --- step clocks ---------------------------------------------------------------------

def limit_in_workdays(limit, unit):
    """A promised limit in working days; calendar days scaled by 5/7 (for chains only)."""
    return limit if unit is LimitUnit.WORKDAY else math.ceil(limit * 5 / 7)


def promised_due(item, day):
    """The due date of `item` submitted on `day`: working days, or calendar days where a
    limit ending on a rest day moves to the next working day (民法典 art. 203)."""
    if item.promised_unit is LimitUnit.CALENDAR_DAY:
        return workdays.next_workday(date.fromordinal(day.toordinal() + item.promised_limit))
    return workdays.add_workdays(day, item.promised_limit)


def on_submit(step, day):
    """The step entered SUBMITTED on `day`: first filing, or resubmission after 补正, when
    the working days left at the return continue from `day`."""
    with db.session.no_autoflush:   # loading item and center must not flush the step twice
        if step.remaining_workdays is not None:
            step.due_on = workdays.add_workdays(day, step.remaining_workdays)
            step.remaining_workdays = None
        else:
            step.due_on = promised_due(step.item, day)
            step.allotted_workdays = workdays.workdays_between(day, step.due_on)
        _set_yellow(step)


def on_return(step, day):
    """The step was returned for correction (补正) on `day`: its clock pauses."""
    if step.due_on is not None:
        step.remaining_workdays = max(0, workdays.workdays_between(day, step.due_on))
    step.due_on = step.yellow_on = None


def _set_yellow(step):
    """Yellow from the day only N working days are left (the center's setting) or 80 % of
    the allotted working days are used, whichever comes first."""
    threshold = max(step.case.center.yellow_days, (step.allotted_workdays or 0) // 5)
    step.yellow_on = workdays.add_workdays(step.due_on, -threshold)


def suspend(case, day):
    case.suspended_on = day


def resume(case, day):
    """Every running step's due date, and the promised date, move by the working days
    the case spent suspended."""
    if case.suspended_on is None:
        return
    shift = workdays.workdays_between(case.suspended_on, day)
    # No autoflush while the steps load: the case's whole change stays one UPDATE (one version).
    with db.session.no_autoflush:
        steps = list(case.steps)
    for step in steps:
        if step.status is StepStatus.SUBMITTED and step.due_on is not None:
            step.due_on = workdays.add_workdays(step.due_on, shift)
            _set_yellow(step)
    if case.promised_on is not None:
        case.promised_on = workdays.add_workdays(case.promised_on, shift)
    case.suspended_on = None


def start_case(case, day=None):
    """Work starts (the case enters IN_PROGRESS): set the promised completion date from
    the template's overall limit or, without one, the longest prerequisite chain."""
    day = day or clock.today()
    with db.session.no_autoflush:
        template = case.template
        limit = template.overall_limit if template and template.overall_limit \
            else chain_workdays(case)
        case.promised_on = workdays.add_workdays(day, limit) if limit else None


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


# --- lights ------------------------------------------------------------------------

def step_light(step, today=None):
    if (step.status is not StepStatus.SUBMITTED or step.due_on is None
            or step.case.status is not CaseStatus.IN_PROGRESS):
        return Light.NONE
    today = today or clock.today()
    if today > step.due_on:
        return Light.RED
    if step.yellow_on is not None and today >= step.yellow_on:
        return Light.YELLOW
    return Light.GREEN


def case_light(case, today=None):
    """The worst light of the case's running steps; red once past the promised date."""
    if case.status is not CaseStatus.IN_PROGRESS:
        return Light.NONE
    today = today or clock.today()
    if case.promised_on is not None and today > case.promised_on:
        return Light.RED
    return min((step_light(step, today) for step in case.steps), key=lambda light: light.rank,
               default=Light.NONE)


def _running_rank(today):
    return when((Step.due_on < today, Light.RED.rank), (Step.yellow_on <= today, Light.YELLOW.rank),
                else_=Light.GREEN.rank)


def step_rank(today=None):
    """SQL: the light rank of Step; the query must join Case."""
    today = today or clock.today()
    running = and_(Step.status == StepStatus.SUBMITTED, Step.due_on.isnot(None),
                   Case.status == CaseStatus.IN_PROGRESS)
    return when((running, _running_rank(today)), else_=Light.NONE.rank)


def case_rank(today=None):
    """SQL: the light rank of Case, a correlated subquery over its steps."""
    today = today or clock.today()
    worst_step = select(func.min(when(
        (and_(Step.status == StepStatus.SUBMITTED, Step.due_on.isnot(None)), _running_rank(today)),
        else_=Light.NONE.rank))).where(Step.case_id == Case.id).scalar_subquery()
    return when((Case.status != CaseStatus.IN_PROGRESS, Light.NONE.rank),
                (Case.promised_on < today, Light.RED.rank),
                else_=func.coalesce(worst_step, Light.NONE.rank))


def with_light(query, rank, light):
    """`query` narrowed to the steps or cases showing `light` (None: unchanged)."""
    return query if light is None else query.where(rank == light.rank)


# --- what the pages show -------------------------------------------------------------

@dataclass
class StepClock:
    allotted: int | None     # working days given to the department
    remaining: int           # working days left; negative once overdue
    due_on: date | None
    paused: str              # "" running, "returned" (补正), "suspended" (case 中止)

    @property
    def elapsed(self):
        return None if self.allotted is None else self.allotted - self.remaining


def step_clock(step, today=None):
    """The step's clock, or None when it has none (not yet filed, or done)."""
    if step.status is StepStatus.RETURNED and step.remaining_workdays is not None:
        return StepClock(step.allotted_workdays, step.remaining_workdays, None, "returned")
    if step.status is not StepStatus.SUBMITTED or step.due_on is None:
        return None
    suspended = step.case.status is CaseStatus.SUSPENDED and step.case.suspended_on
    reference = step.case.suspended_on if suspended else (today or clock.today())
    return StepClock(step.allotted_workdays, signed_workdays(reference, step.due_on),
                     step.due_on, "suspended" if suspended else "")


def signed_workdays(start, end):
    """Working days from `start` to `end`, negative when `end` is earlier."""
    if end >= start:
        return workdays.workdays_between(start, end)
    return -workdays.workdays_between(end, start)


def query_args(**changes):
    """The current query string with `changes` (None drops a key), back on page 1."""
    args = {key: value for key, value in request.args.items() if key != "page"}
    args.update(changes)
    return {key: value for key, value in args.items() if value is not None}


TEMPLATE_GLOBALS = {"query_args": query_args, "step_light": step_light, "case_light": case_light,
                    "step_clock": step_clock, "calendar_unfinished_years": workdays.unfinished_years,
                    "holiday_labels": statutory_holidays.labels, "FILTER_LIGHTS": FILTER_LIGHTS}
