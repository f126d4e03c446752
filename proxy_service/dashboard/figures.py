"""The managers' figures for a period: headline numbers (workflow/figures.py, which the
monthly report and the API read too), per-agent workload, backlog aging, weekly series and
the late-step list. Every function issues a fixed number of SQL statements whatever the data
size; per-row arithmetic (working days) happens in Python."""
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, timedelta

from sqlalchemy import case as when
from sqlalchemy import func, select

from proxy_service.calendar import lights
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.dashboard.open_work import AGING_BUCKETS, open_work  # noqa: F401  (AGING_BUCKETS: the page's columns)
from proxy_service.models import (
    Absence,
    ApprovalItem,
    Case,
    CaseStatus,
    Enterprise,
    Evaluation,
    Role,
    Stage,
    Step,
    StepStatus,
    User,
)

# Re-exported: the views, the monthly report and the tests reach them as figures.*.
from proxy_service.workflow.figures import (  # noqa: F401
    GOOD_GRADES,
    GRADE_SCORES,
    OPEN_RECTIFICATION,
    Filters,
    Headline,
    _rate,
    activity,
    approved_steps,
    headline,
    in_period,
    midnight,
    on_time,
    parse_filters,
)


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


@dataclass(frozen=True)
class LateStep:
    """A row of the late-step list: the step, its case and who holds it, as the list shows them."""
    id: int
    due_on: date
    light: lights.Light
    item: str
    case_id: int
    number: str
    version: int
    enterprise: str
    agent_id: int | None
    agent: str | None


def late_steps(center_id, filters, limit=100):
    """Red then yellow running steps across the center's cases, most urgent first; one query,
    read for every request (the re-assignment forms carry each case's current version)."""
    rank, today = lights.step_rank(), clock.today()
    running = [*filters.case_conditions(center_id), Case.status == CaseStatus.IN_PROGRESS]
    rows = db.session.execute(
        select(Step.id, Step.due_on, Step.yellow_on, ApprovalItem.name, Case.id, Case.number,
               Case.version, Enterprise.name, Case.agent_id, User.name)
        .join(Step.case).join(Step.item).join(Case.enterprise).outerjoin(Case.agent)
        .where(*filters.step_conditions(center_id), *running[1:],
               # The center's running cases first (a few hundred), then their filed steps, not
               # every center's filed steps first: what the planner chose without this.
               Step.case_id.in_(select(Case.id).where(*running).correlate(None)),
               # Only running clocks have a light (what the rank says, in terms indexes serve).
               Step.status == StepStatus.SUBMITTED,
               rank.in_((lights.Light.RED.rank, lights.Light.YELLOW.rank)))
        .order_by(rank, Step.due_on, Step.id).limit(limit)).all()
    return [LateStep(step_id, due_on, lights.light_on(due_on, yellow_on, today), *rest)
            for step_id, due_on, yellow_on, *rest in rows]
