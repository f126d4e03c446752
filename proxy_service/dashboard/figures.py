"""The managers' figures for a period: headline numbers, per-agent workload, backlog aging,
weekly series and the late-step list. Every function issues a fixed number of SQL
statements whatever the data size; per-row arithmetic (working days) happens in Python."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from .. import clock, deadlines, workdays
from ..models import (Absence, Case, CaseStatus, Evaluation, Grade, OPEN_CASE_STATUSES,
                      OPEN_STEP_STATUSES, Project, Rectification, RectificationStatus, Role, Stage, Step, StepStatus,
                      User)
from ..extensions import db

GRADE_SCORES = {Grade.VERY_SATISFIED: 5, Grade.SATISFIED: 4, Grade.BASIC: 3,
                Grade.DISSATISFIED: 2, Grade.VERY_DISSATISFIED: 1}
GOOD_GRADES = (Grade.VERY_SATISFIED, Grade.SATISFIED)
AGING_BUCKETS = ("0–5", "6–10", "11–20", ">20")
OPEN_RECTIFICATION = (RectificationStatus.OPEN, RectificationStatus.APPEALED)


@dataclass
class Filters:
    """Dashboard filters from the URL; None means "all"."""
    start: date
    end: date
    industry: int | None = None
    stage: Stage | None = None
    agent: int | None = None

    def case_conditions(self, center_id):
        conditions = [Case.center_id == center_id]
        if self.agent:
            conditions.append(Case.agent_id == self.agent)
        if self.industry:
            conditions.append(Case.project_id.in_(
                select(Project.id).where(Project.industry_id == self.industry)))
        return conditions

    def step_conditions(self, center_id):
        """For queries over steps joined with their case: the stage narrows the steps."""
        extra = [Step.stage == self.stage] if self.stage else []
        return self.case_conditions(center_id) + extra

    def args(self):
        return {key: value for key, value in (
            ("start", self.start.isoformat()), ("end", self.end.isoformat()),
            ("industry", self.industry), ("stage", self.stage.value if self.stage else None),
            ("agent", self.agent)) if value}


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filters(args):
    """Filters from ?start=&end=&industry=&stage=&agent=; the period defaults to this month."""
    today = clock.today()
    start = _date(args.get("start")) or today.replace(day=1)
    end = _date(args.get("end")) or today
    if end < start:
        start, end = end, start
    stage = next((s for s in Stage if s.value == args.get("stage")), None)
    return Filters(start, end, args.get("industry", type=int), stage, args.get("agent", type=int))


def _instant(day):
    """Beijing midnight at the start of `day`, for comparing UTC timestamps."""
    return datetime.combine(day, time(), tzinfo=clock.BEIJING)


def _in_period(column, filters):
    return and_(column >= _instant(filters.start), column < _instant(filters.end + timedelta(1)))


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
    """Steps approved in the period: item name, submitted_on, approved_on, due_on, agent_id,
    case number and the last correction request (a likely reason for lateness)."""
    from ..models import ApprovalItem
    return db.session.execute(
        select(ApprovalItem.name, Step.submitted_on, Step.approved_on, Step.due_on, Case.agent_id,
               Case.number, Step.correction_request)
        .join(Step.case).join(Step.item)
        .where(Step.status == StepStatus.APPROVED,
               Step.approved_on.between(filters.start, filters.end),
               *filters.step_conditions(center_id))).all()


def on_time(row):
    """Approved by its due date (the due date itself counts); no due date: never late."""
    return row.due_on is None or row.approved_on <= row.due_on


def headline(center_id, filters, steps=None):
    """Five queries (four when `steps`, the approved_steps rows, are given)."""
    conditions = filters.case_conditions(center_id)
    closed_in = _in_period(Case.closed_at, filters)
    counts = db.session.execute(select(
        func.count(Case.id).filter(_in_period(Case.submitted_at, filters)),
        func.count(Case.id).filter(_in_period(Case.accepted_at, filters)),
        func.count(Case.id).filter(closed_in & (Case.status == CaseStatus.DECLINED)),
        func.count(Case.id).filter(closed_in & (Case.status == CaseStatus.COMPLETED)))
        .where(*conditions)).one()
    result = Headline(*counts)
    steps = approved_steps(center_id, filters) if steps is None else steps
    _step_figures(result, steps)
    cases = select(Case.id).where(*conditions)
    result.evaluations, result.good = db.session.execute(select(
        func.count(Evaluation.id), func.count(Evaluation.id).filter(Evaluation.grade.in_(GOOD_GRADES)))
        .where(Evaluation.center_id == center_id, Evaluation.case_id.in_(cases),
               _in_period(Evaluation.created_at, filters))).one()
    result.open_rectifications, result.overdue_rectifications = db.session.execute(select(
        func.count(Rectification.id),
        func.count(Rectification.id).filter(Rectification.due_on < clock.today()))
        .where(Rectification.center_id == center_id, Rectification.case_id.in_(cases),
               Rectification.status.in_(OPEN_RECTIFICATION))).one()
    return result


def _workdays(row):
    return workdays.workdays_between(row.submitted_on, row.approved_on) if row.submitted_on else None


def _step_figures(result, steps):
    result.items_completed = len(steps)
    result.on_time = sum(on_time(row) for row in steps)
    durations = defaultdict(list)
    for row in steps:
        if (days := _workdays(row)) is not None:
            durations[row.name].append(days)
    every = [d for values in durations.values() for d in values]
    result.avg_workdays = sum(every) / len(every) if every else None
    result.per_item = sorted((name, len(v), sum(v) / len(v)) for name, v in durations.items())


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


def workload(center_id, filters, steps=None, sort="name"):
    """Per active agent of the center; five queries (four with `steps` given)."""
    query = select(User).where(User.center_id == center_id, User.role == Role.AGENT,
                               User.active.is_(True)).order_by(User.name, User.id)
    if filters.agent:
        query = query.where(User.id == filters.agent)
    loads = {agent.id: AgentLoad(agent) for agent in db.session.scalars(query)}
    _open_counts(loads, center_id, filters)
    for row in approved_steps(center_id, filters) if steps is None else steps:
        if row.agent_id in loads:
            loads[row.agent_id].completed += 1
            loads[row.agent_id].on_time += on_time(row)
    _ratings(loads, center_id, filters)
    today = clock.today()
    for absence in db.session.scalars(select(Absence).where(
            Absence.center_id == center_id, Absence.end_on >= today).order_by(Absence.start_on)):
        if absence.agent_id in loads and loads[absence.agent_id].absence is None:
            loads[absence.agent_id].absence = absence
    return sort_loads(list(loads.values()), sort)


def sort_loads(loads, sort):
    """Busiest / best first for numbers; by name otherwise. Missing values sort last."""
    if sort not in SORT_KEYS or sort == "name":
        return loads
    return sorted(loads, key=lambda load: (getattr(load, sort) is None,
                                           -(getattr(load, sort) or 0), load.agent.name))


def _open_counts(loads, center_id, filters):
    rank = deadlines.step_rank()
    open_step = Step.status.in_(OPEN_STEP_STATUSES) & (Step.id.isnot(None))
    if filters.stage:
        open_step &= Step.stage == filters.stage
    rows = db.session.execute(
        select(Case.agent_id, func.count(func.distinct(Case.id)), func.count(Step.id).filter(open_step),
               func.count(Step.id).filter(open_step & (rank == deadlines.Light.YELLOW.rank)),
               func.count(Step.id).filter(open_step & (rank == deadlines.Light.RED.rank)))
        .outerjoin(Step, Step.case_id == Case.id)
        .where(*filters.case_conditions(center_id), Case.status.in_(OPEN_CASE_STATUSES))
        .group_by(Case.agent_id)).all()
    for agent_id, cases, steps, yellow, red in rows:
        if agent_id in loads:
            load = loads[agent_id]
            load.open_cases, load.open_steps, load.yellow, load.red = cases, steps, yellow, red


def _ratings(loads, center_id, filters):
    score = sum((func.count(Evaluation.id).filter(Evaluation.grade == grade) * points
                 for grade, points in GRADE_SCORES.items()), start=0)
    rows = db.session.execute(
        select(Evaluation.agent_id, func.count(Evaluation.id), score)
        .where(Evaluation.center_id == center_id, _in_period(Evaluation.created_at, filters))
        .group_by(Evaluation.agent_id)).all()
    for agent_id, count, total in rows:
        if agent_id in loads and count:
            loads[agent_id].ratings, loads[agent_id].rating = count, total / count


def aging(center_id, filters):
    """Open cases and open steps by working days open, {"cases": Counter, "steps": Counter}.

    A case is open since it was filed; a step since it was submitted to the department, or
    since its case was accepted while it is still being prepared. Two queries."""
    today = clock.today()
    cases = db.session.execute(select(Case.submitted_at).where(
        *filters.case_conditions(center_id), Case.status.in_(OPEN_CASE_STATUSES))).scalars()
    steps = db.session.execute(select(Step.submitted_on, Case.accepted_at).join(Step.case).where(
        *filters.step_conditions(center_id), Case.status.in_(OPEN_CASE_STATUSES),
        Step.status.in_(OPEN_STEP_STATUSES))).all()
    return {"cases": Counter(_bucket(_local(at), today) for at in cases),
            "steps": Counter(_bucket(on or _local(at), today) for on, at in steps)}


def _local(instant):
    if instant is None:
        return clock.today()
    if instant.tzinfo is None:   # SQLite hands back naive UTC
        from datetime import timezone
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(clock.BEIJING).date()


def _bucket(since, today):
    days = workdays.workdays_between(since, today)
    return AGING_BUCKETS[0 if days <= 5 else 1 if days <= 10 else 2 if days <= 20 else 3]


def weekly(center_id, filters, steps):
    """[(monday, requests filed, items approved)] for each week of the period; one query."""
    filed = db.session.execute(select(Case.submitted_at).where(
        *filters.case_conditions(center_id), _in_period(Case.submitted_at, filters))).scalars()
    requests = Counter(_monday(_local(at)) for at in filed)
    approved = Counter(_monday(row.approved_on) for row in steps)
    weeks, monday = [], _monday(filters.start)
    while monday <= filters.end:
        weeks.append((monday, requests[monday], approved[monday]))
        monday += timedelta(7)
    return weeks


def _monday(day):
    return day - timedelta(day.weekday())


def open_steps_by_stage(center_id, filters):
    """[(stage, open steps of open cases)] in stage order; one query."""
    counts = dict(db.session.execute(select(Step.stage, func.count(Step.id)).join(Step.case).where(
        *filters.step_conditions(center_id), Case.status.in_(OPEN_CASE_STATUSES),
        Step.status.in_(OPEN_STEP_STATUSES)).group_by(Step.stage)).all())
    return [(stage, counts.get(stage, 0)) for stage in Stage]


def late_steps(center_id, filters, limit=100):
    """Red then yellow running steps across the center's cases, most urgent first; one query."""
    rank = deadlines.step_rank()
    return db.session.scalars(
        select(Step).join(Step.case)
        .where(*filters.step_conditions(center_id),
               rank.in_((deadlines.Light.RED.rank, deadlines.Light.YELLOW.rank)))
        .options(joinedload(Step.item), joinedload(Step.case).joinedload(Case.enterprise),
                 joinedload(Step.case).joinedload(Case.project),
                 joinedload(Step.case).joinedload(Case.agent))
        .order_by(rank, Step.due_on, Step.id).limit(limit)).unique().all()
