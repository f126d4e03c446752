"""The managers' figures for a period: headline numbers, per-agent workload, backlog aging,
weekly series and the late-step list. Every function issues a fixed number of SQL
statements whatever the data size; per-row arithmetic (working days) happens in Python."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from proxy_service.calendar import lights, workdays
from proxy_service.core import clock
from proxy_service.core.extensions import db

# Filters and parse_filters are re-exported: the views and tests reach them as figures.*.
from proxy_service.dashboard.filters import Filters, in_period, midnight, parse_filters  # noqa: F401
from proxy_service.dashboard.open_work import AGING_BUCKETS, open_work  # noqa: F401  (AGING_BUCKETS: the page's columns)
from proxy_service.models import (
    Absence,
    ApprovalItem,
    Case,
    CaseStatus,
    Evaluation,
    Grade,
    Rectification,
    RectificationStatus,
    Role,
    Stage,
    Step,
    StepStatus,
    User,
)
from proxy_service.workflow.workloads import cases_active_since

GRADE_SCORES = {Grade.VERY_SATISFIED: 5, Grade.SATISFIED: 4, Grade.BASIC: 3,
                Grade.DISSATISFIED: 2, Grade.VERY_DISSATISFIED: 1}
GOOD_GRADES = (Grade.VERY_SATISFIED, Grade.SATISFIED)
OPEN_RECTIFICATION = (RectificationStatus.OPEN, RectificationStatus.APPEALED)


def _rate(part, whole):
    return None if not whole else part / whole


@dataclass
class Headline:
    new_requests: int = 0
    accepted: int = 0
    declined: int = 0
    cases_completed: int = 0
    items_completed: int = 0
    on_time: int = 0
    evaluations: int = 0
    good: int = 0
    open_rectifications: int = 0
    overdue_rectifications: int = 0
    avg_workdays: float | None = None
    per_item: list = field(default_factory=list)   # [(item name, count, average workdays)]

    @property
    def on_time_rate(self):
        return _rate(self.on_time, self.items_completed)

    @property
    def overdue_rate(self):
        return _rate(self.items_completed - self.on_time, self.items_completed)

    @property
    def satisfaction_rate(self):
        return _rate(self.good, self.evaluations)


def approved_steps(center_id, filters):
    """Steps approved in the period: item_id, submitted_on, approved_on, due_on, agent_id. A
    year of a busy center is tens of thousands of rows: only the columns the figures need,
    read from the index on steps (case_id, status, approved_on, …) of the cases active in
    the period."""
    return db.session.execute(
        select(Step.item_id, Step.submitted_on, Step.approved_on, Step.due_on, Case.agent_id)
        .join(Step.case)
        .where(Step.status == StepStatus.APPROVED,
               Step.approved_on.between(filters.start, filters.end),
               Step.case_id.in_(cases_active_since(center_id, filters.start)),
               *filters.step_conditions(center_id))).all()


def on_time(row):
    """Approved by its due date (the due date itself counts); no due date: never late."""
    return row.due_on is None or row.approved_on <= row.due_on


def _counts(model, where, *parts):
    """How many rows of `model` meet `where` and, in turn, each of `parts` (lists of further
    conditions; [] for all of them), in one statement: one scalar subquery per count, so that
    each reads its own index range rather than one pass checking every part on every row."""
    return db.session.execute(select(*(
        select(func.count(model.id)).where(*where, *part).scalar_subquery() for part in parts))).one()


def headline(center_id, filters, steps=None):
    """Six queries (five when `steps`, the approved_steps rows, are given)."""
    result = activity(center_id, filters, steps)
    conditions = filters.case_conditions(center_id)

    def about_cases(model):
        # Narrowed to the filtered cases only when a filter narrows them: the center's own
        # cases are every case its evaluations and rectifications are about.
        narrowed = filters.agent or filters.industry
        return [model.case_id.in_(select(Case.id).where(*conditions))] if narrowed else []
    result.evaluations, result.good = _counts(
        Evaluation, [Evaluation.center_id == center_id, in_period(Evaluation.created_at, filters),
                     *about_cases(Evaluation)], [], [Evaluation.grade.in_(GOOD_GRADES)])
    result.open_rectifications, result.overdue_rectifications = _counts(
        Rectification, [Rectification.center_id == center_id, *about_cases(Rectification),
                        Rectification.status.in_(OPEN_RECTIFICATION)],
        [], [Rectification.due_on < clock.today()])
    return result


def activity(center_id, filters, steps=None):
    """The Headline's cases filed, accepted, declined and completed in the period and its
    approved steps (`steps`: approved_steps rows); two queries, three without `steps`.
    Their timestamps are set once, so the counts of a past period stay as they were."""
    conditions, closed_in = filters.case_conditions(center_id), in_period(Case.closed_at, filters)
    result = Headline(*_counts(Case, conditions, [in_period(Case.submitted_at, filters)],
                               [in_period(Case.accepted_at, filters)],
                               [closed_in, Case.status == CaseStatus.DECLINED],
                               [closed_in, Case.status == CaseStatus.COMPLETED]))
    _step_figures(result, approved_steps(center_id, filters) if steps is None else steps)
    return result


def _step_figures(result, steps):
    """Counts, on-time counts and average working days of the approved steps; one query for
    the names of their items."""
    # One plain loop: a busy center approves tens of thousands of steps a year.
    between = workdays.workdays_counter()
    durations = defaultdict(lambda: [0, 0])   # item id: [steps with a submission, workdays]
    late = 0
    for row in steps:
        item_id, submitted_on, approved_on, due_on = row[0], row[1], row[2], row[3]
        late += due_on is not None and approved_on > due_on
        if submitted_on is not None:
            item = durations[item_id]
            item[0] += 1
            item[1] += between(submitted_on, approved_on)
    result.items_completed, result.on_time = len(steps), len(steps) - late
    counted = sum(n for n, _ in durations.values())
    result.avg_workdays = sum(days for _, days in durations.values()) / counted if counted else None
    names = dict(db.session.execute(select(ApprovalItem.id, ApprovalItem.name).where(
        ApprovalItem.id.in_(list(durations)))).all())
    result.per_item = sorted((names[item_id], n, days / n) for item_id, (n, days) in durations.items())


@dataclass
class AgentLoad:
    agent: User
    open_cases: int = 0
    open_steps: int = 0
    yellow: int = 0
    red: int = 0
    completed: int = 0
    on_time: int = 0
    rating: float | None = None
    ratings: int = 0
    absence: Absence | None = None

    @property
    def on_time_rate(self):
        return _rate(self.on_time, self.completed)


SORT_KEYS = ("name", "open_cases", "open_steps", "yellow", "red", "completed", "on_time_rate",
             "rating")


def workload(center_id, filters, steps=None, sort="name", work=None):
    """Per active agent of the center; six queries (two fewer with `work`, one fewer with
    `steps`, the approved_steps rows)."""
    query = select(User).where(User.center_id == center_id, User.role == Role.AGENT,
                               User.active.is_(True)).order_by(User.name, User.id)
    if filters.agent:
        query = query.where(User.id == filters.agent)
    loads = {agent.id: AgentLoad(agent) for agent in db.session.scalars(query)}
    _open_counts(loads, work or open_work(center_id, filters))
    for row in approved_steps(center_id, filters) if steps is None else steps:
        load = loads.get(row[4])   # agent_id
        if load is not None:
            load.completed += 1
            load.on_time += row[3] is None or row[2] <= row[3]   # on_time(): due_on, approved_on
    _ratings(loads, center_id, filters)
    attach_absences(loads, center_id, clock.today())
    return sort_loads(list(loads.values()), sort)


def attach_absences(loads, center_id, day, registered_before=None):
    """Each agent's absence current or next on `day` (of those registered before the instant
    `registered_before`, when given); one query."""
    query = select(Absence).where(Absence.center_id == center_id, Absence.end_on >= day)
    if registered_before is not None:
        query = query.where(Absence.created_at < registered_before)
    for absence in db.session.scalars(query.order_by(Absence.start_on)):
        if absence.agent_id in loads and loads[absence.agent_id].absence is None:
            loads[absence.agent_id].absence = absence


def sort_loads(loads, sort):
    """Busiest / best first for numbers; by name otherwise. Missing values sort last."""
    if sort not in SORT_KEYS or sort == "name":
        return loads
    return sorted(loads, key=lambda load: (getattr(load, sort) is None,
                                           -(getattr(load, sort) or 0), load.agent.name))


def _open_counts(loads, work):
    """Open cases, open steps and yellow and red ones, per agent."""
    for (agent_id, _), n in work.cases.items():
        if agent_id in loads:
            loads[agent_id].open_cases += n
    counted = {lights.Light.YELLOW.rank: "yellow", lights.Light.RED.rank: "red"}
    for (agent_id, _, rank, _), n in work.steps.items():
        if agent_id in loads:
            load = loads[agent_id]
            load.open_steps += n
            if rank in counted:
                setattr(load, counted[rank], getattr(load, counted[rank]) + n)


def _ratings(loads, center_id, filters):
    score = sum((func.count(Evaluation.id).filter(Evaluation.grade == grade) * points
                 for grade, points in GRADE_SCORES.items()), start=0)
    rows = db.session.execute(
        select(Evaluation.agent_id, func.count(Evaluation.id), score)
        .where(Evaluation.center_id == center_id, in_period(Evaluation.created_at, filters))
        .group_by(Evaluation.agent_id)).all()
    for agent_id, count, total in rows:
        if agent_id in loads and count:
            loads[agent_id].ratings, loads[agent_id].rating = count, total / count


def aging(center_id, filters, work=None):
    """Open cases and open steps by working days open, {"cases": Counter, "steps": Counter}
    (open_work.open_work says since when each is open); two queries, none with `work`."""
    work = work or open_work(center_id, filters)
    return {"cases": work.case_ages(), "steps": work.step_ages()}


def _local(instant):
    if instant is None:
        return clock.today()
    if instant.tzinfo is None:   # SQLite hands back naive UTC
        instant = instant.replace(tzinfo=UTC)
    return clock.local_date(instant)


def weekly(center_id, filters, steps):
    """[(monday, requests filed, items approved)] for each week of the period; one query,
    which counts the requests per week in the database (a year is thousands of them)."""
    mondays, monday = [], _monday(filters.start)
    while monday <= filters.end:
        mondays.append(monday)
        monday += timedelta(7)
    # The week a request was filed in (Beijing time): the last Monday it is not before.
    week = when(*((Case.submitted_at >= midnight(day), day.isoformat())
                  for day in reversed(mondays[1:])), else_=mondays[0].isoformat())
    requests = {date.fromisoformat(day): count for day, count in db.session.execute(
        select(week, func.count(Case.id)).where(
            *filters.case_conditions(center_id), in_period(Case.submitted_at, filters))
        .group_by(week)).all()}
    approved = Counter()
    for day, count in Counter(row[2] for row in steps).items():   # approved_on
        approved[_monday(day)] += count
    return [(day, requests.get(day, 0), approved[day]) for day in mondays]


def _monday(day):
    return day - timedelta(day.weekday())


def open_steps_by_stage(center_id, filters, work=None):
    """[(stage, open steps of open cases)] in stage order; two queries, none with `work`."""
    work = work or open_work(center_id, filters)
    counts = Counter()
    for (_, stage, _, _), n in work.steps.items():
        counts[stage] += n
    return [(stage, counts[stage]) for stage in Stage]


def late_steps(center_id, filters, limit=100):
    """Red then yellow running steps across the center's cases, most urgent first; one query."""
    rank = lights.step_rank()
    return db.session.scalars(
        select(Step).join(Step.case)
        .where(*filters.step_conditions(center_id),
               # Only running clocks have a light (what the rank says, in terms indexes serve).
               Case.status == CaseStatus.IN_PROGRESS, Step.status == StepStatus.SUBMITTED,
               rank.in_((lights.Light.RED.rank, lights.Light.YELLOW.rank)))
        .options(joinedload(Step.item), joinedload(Step.case).joinedload(Case.enterprise),
                 joinedload(Step.case).joinedload(Case.agent))
        .order_by(rank, Step.due_on, Step.id).limit(limit)).unique().all()
