"""The managers' headline figures for a period, read by the dashboard, the monthly report and
the API (GET /api/v1/reports/headline): the filters (a period in Beijing dates and optionally
an industry, a stage and an agent) and the SQL conditions they stand for, and the headline
numbers. Every function issues a fixed number of SQL statements whatever the data size;
per-row arithmetic (working days) happens in Python. Reads only."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, select

from proxy_service.calendar import workdays
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    ApprovalItem,
    Case,
    CaseStatus,
    Evaluation,
    Grade,
    Project,
    Rectification,
    RectificationStatus,
    Stage,
    Step,
    StepStatus,
)
from proxy_service.workflow.workloads import cases_active_since


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
        if self.industry:   # EXISTS through the case's key, not the projects of every center
            conditions.append(Case.project.has(Project.industry_id == self.industry))
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


def midnight(day):
    """Beijing midnight at the start of `day`, for comparing UTC timestamps."""
    return datetime.combine(day, time(), tzinfo=clock.BEIJING)


def in_period(column, filters):
    return and_(column >= midnight(filters.start), column < midnight(filters.end + timedelta(1)))


# --- the headline ---------------------------------------------------------------------------

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
