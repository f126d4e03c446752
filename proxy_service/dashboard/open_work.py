"""The center's open cases and their open steps, counted once for the dashboard's workload,
aging and stage figures: two grouped queries, whatever the number of cases, instead of one
pass over the open steps per figure."""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as when

from proxy_service.calendar import lights, workdays
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import OPEN_CASE_STATUSES, OPEN_STEP_STATUSES, Case, Step

AGING_BUCKETS = ("0–5", "6–10", "11–20", ">20")
AGING_LIMITS = (5, 10, 20)   # working days open, at most, in each bucket but the last


@dataclass
class OpenWork:
    cases: Counter   # (agent_id, age bucket) → open cases
    steps: Counter   # (agent_id, stage, light rank, age bucket) → open steps of open cases

    def case_ages(self):
        return _by_bucket((bucket, n) for (_, bucket), n in self.cases.items())

    def step_ages(self):
        return _by_bucket((bucket, n) for (_, _, _, bucket), n in self.steps.items())


def open_work(center_id, filters):
    """Open cases (filters.case_conditions) and their open steps (filters.step_conditions).

    A case is open since it was filed; a step since it was submitted to the department, or
    since its case was accepted while it is still being prepared. The age bucket is counted
    in the database: what opened on or after a bucket's first day is at most that old."""
    firsts = bucket_firsts(clock.today())
    case_age = _bucket(firsts, lambda day: Case.submitted_at >= _instant(day))
    step_age = _bucket(firsts, lambda day: or_(
        and_(Step.submitted_on.isnot(None), Step.submitted_on >= day),
        and_(Step.submitted_on.is_(None),
             or_(Case.accepted_at.is_(None), Case.accepted_at >= _instant(day)))))
    rank = lights.step_rank()
    open_cases = Case.status.in_(OPEN_CASE_STATUSES)
    cases = db.session.execute(
        select(Case.agent_id, case_age.label("age"), func.count(Case.id))
        .where(*filters.case_conditions(center_id), open_cases)
        .group_by(Case.agent_id, "age")).all()
    steps = db.session.execute(
        select(Case.agent_id, Step.stage, rank.label("rank"), step_age.label("age"),
               func.count(Step.id))
        .join(Step.case)
        .where(*filters.step_conditions(center_id), open_cases, Step.status.in_(OPEN_STEP_STATUSES))
        .group_by(Case.agent_id, Step.stage, "rank", "age")).all()
    return OpenWork(Counter({tuple(row[:-1]): row[-1] for row in cases}),
                    Counter({tuple(row[:-1]): row[-1] for row in steps}))


def bucket_firsts(today):
    """The earliest opening day of each bucket but the last: what opened on or after it has
    been open at most 5, 10, 20 working days (AGING_LIMITS) by `today`."""
    firsts, day = [], today
    for limit in AGING_LIMITS:
        while workdays.workdays_between(day - timedelta(1), today) <= limit:
            day -= timedelta(1)
        firsts.append(day)
    return firsts


def _bucket(firsts, since):
    """SQL: the index of the youngest bucket whose first day the row opened on or after."""
    return when(*((since(day), index) for index, day in enumerate(firsts)), else_=len(firsts))


def _by_bucket(pairs):
    counts = Counter()
    for bucket, n in pairs:
        counts[AGING_BUCKETS[bucket]] += n
    return Counter({label: n for label, n in counts.items() if n})


def _instant(day):
    """Beijing midnight at the start of `day`, for comparing UTC timestamps."""
    return datetime.combine(day, time(), tzinfo=clock.BEIJING)
