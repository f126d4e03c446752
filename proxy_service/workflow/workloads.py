"""Who is free: a center's active agents and their workloads, read for the assignment
suggestion (assignment.suggest), the agent pickers of the case page and the dashboard.

Here, below the features, because two of them (cases, dashboard) read the same figures;
cases_active_since is the narrowing the dashboard's figures share with the workloads.
Each a fixed number of SQL statements.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select, union_all

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    AgentApprovals,
    AgentOpenWork,
    Case,
    Role,
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
    """Per active agent of the center: open cases, open steps, steps approved in the last 30
    days (today and the 30 days before it), by name.

    One statement whatever the number of agents or cases: it reads the counters the workflow
    keeps (workload_counters.py), a row per agent and one per agent and day of approvals.
    """
    since = clock.today() - timedelta(days=30)
    approved = (select(func.coalesce(func.sum(AgentApprovals.steps), 0))
                .where(AgentApprovals.agent_id == User.id, AgentApprovals.approved_on >= since)
                .scalar_subquery())
    rows = db.session.execute(
        select(User, func.coalesce(AgentOpenWork.open_cases, 0),
               func.coalesce(AgentOpenWork.open_steps, 0), approved)
        .outerjoin(AgentOpenWork, AgentOpenWork.agent_id == User.id)
        .where(User.center_id == center_id, User.role == Role.AGENT, User.active.is_(True))
        .order_by(User.name)).all()
    return [Workload(agent, open_cases, open_steps, done)
            for agent, open_cases, open_steps, done in rows]


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
