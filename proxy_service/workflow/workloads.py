"""Who is free: a center's active agents and their workloads, read for the assignment
suggestion (assignment.suggest), the agent pickers of the case page and the dashboard.

Here, below the features, because two of them (cases, dashboard) read the same figures;
cases_active_since is the narrowing the dashboard's figures share with the workloads.
Each a fixed number of SQL statements.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, literal, select, union_all

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    OPEN_STEP_STATUSES,
    Case,
    Role,
    Step,
    StepStatus,
    User,
)


@dataclass
class Workload:
    agent: User
    open_cases: int
    open_steps: int
    completed_30d: int


def agents_of(center_id):
    """The center's active agents, by name."""
    return db.session.scalars(select(User).where(
        User.center_id == center_id, User.role == Role.AGENT, User.active.is_(True))
        .order_by(User.name)).all()


def agent_workloads(center_id):
    """Per active agent of the center: open cases, open steps, steps done in the last 30 days.

    Three queries whatever the number of agents or cases; the steps are read only from the
    cases active in the last 30 days (cases_active_since).
    """
    agents = agents_of(center_id)
    open_cases = dict(db.session.execute(
        select(Case.agent_id, func.count(Case.id))
        .where(Case.center_id == center_id, Case.status.in_(OPEN_CASE_STATUSES))
        .group_by(Case.agent_id)).all())
    since = clock.today() - timedelta(days=30)
    # Two index lookups per case, each reading only the steps it counts, in one statement.
    open_steps = (select(Case.agent_id.label("agent_id"), func.count(Step.id).label("open"),
                         literal(0).label("done"))
                  .join(Step, Step.case_id == Case.id)
                  .where(Case.center_id == center_id, Case.status.in_(OPEN_CASE_STATUSES),
                         Step.status.in_(OPEN_STEP_STATUSES)).group_by(Case.agent_id))
    done_steps = (select(Case.agent_id, literal(0), func.count(Step.id))
                  .join(Step, Step.case_id == Case.id)
                  .where(Case.id.in_(cases_active_since(center_id, since)),
                         Step.status == StepStatus.APPROVED, Step.approved_on >= since)
                  .group_by(Case.agent_id))
    counts = union_all(open_steps, done_steps).subquery()
    steps = {agent_id: (open_, done) for agent_id, open_, done in db.session.execute(
        select(counts.c.agent_id, func.sum(counts.c.open), func.sum(counts.c.done))
        .group_by(counts.c.agent_id)).all()}
    return [Workload(agent, open_cases.get(agent.id, 0), *steps.get(agent.id, (0, 0)))
            for agent in agents]


def cases_active_since(center_id, day):
    """Ids of the center's cases that may have had a step approved on or after `day` (a
    Beijing date): those still open and those closed since. Steps are approved while their
    case is open, so a case closed before `day` has none; figures for a recent period then
    read a few months' cases instead of the center's whole history. A subquery (two index
    ranges, cases (center_id, status) and (center_id, closed_at)) for `Case.id.in_()`."""
    return union_all(
        select(Case.id).where(Case.center_id == center_id, Case.status.in_(OPEN_CASE_STATUSES)),
        select(Case.id).where(Case.center_id == center_id,
                              Case.closed_at >= datetime.combine(day, time(), tzinfo=clock.BEIJING)))
