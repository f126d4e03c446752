"""Traffic lights and the clocks pages show (DESIGN.md §4): green, yellow (due within N
working days), red (overdue), and the elapsed / remaining working days of a step.

Lights compare today with dates stored on the step (due_on, yellow_on) and the case
(promised_on), so lists filter and sort by them in SQL; deadlines.py sets those dates.
"""
import enum
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy import case as when

from proxy_service.calendar import schedule as calendar_schedule
from proxy_service.calendar import statutory_holidays, workdays
from proxy_service.core import clock
from proxy_service.models import Case, CaseStatus, Step, StepStatus


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


# --- lights ------------------------------------------------------------------------

def step_light(step, today=None):
    if (step.status is not StepStatus.SUBMITTED or step.due_on is None
            or step.case.status is not CaseStatus.IN_PROGRESS):
        return Light.NONE
    return light_on(step.due_on, step.yellow_on, today or clock.today())


def light_on(due_on, yellow_on, today):
    """The light of a running clock due on `due_on`, turning yellow on `yellow_on`."""
    if today > due_on:
        return Light.RED
    if yellow_on is not None and today >= yellow_on:
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
    """SQL: the light rank of Step; the query must join Case. `today` is a date (default:
    the clock's) or a bind parameter."""
    return _step_rank(clock.today() if today is None else today)


def case_rank(today=None):
    """SQL: the light rank of Case, a correlated subquery over its steps. `today` is a date
    (default: the clock's) or a bind parameter."""
    return _case_rank(clock.today() if today is None else today)


# Built once a day, not on every request: the expressions are immutable, and building the
# case's rank cost a list page a quarter of a millisecond (benchmarks/pages_bench.py).
@lru_cache(maxsize=4)
def _step_rank(today):
    running = and_(Step.status == StepStatus.SUBMITTED, Step.due_on.isnot(None),
                   Case.status == CaseStatus.IN_PROGRESS)
    return when((running, _running_rank(today)), else_=Light.NONE.rank)


@lru_cache(maxsize=4)
def _case_rank(today):
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
                    "step_clock": step_clock, "calendar_unfinished_years": calendar_schedule.unfinished_years,
                    "holiday_labels": statutory_holidays.labels, "FILTER_LIGHTS": FILTER_LIGHTS}
