"""Read-side queries shared by several pages, each a fixed number of SQL statements."""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import and_, func, select

from . import clock
from .extensions import db
from .models import (Case, CaseStatus, OPEN_CASE_STATUSES, OPEN_STEP_STATUSES, Role, Step,
                     StepStatus, User)


@dataclass
class Workload:
    agent: User
    open_cases: int
    open_steps: int
    completed_30d: int


def agent_workloads(center_id):
    """Per active agent of the center: open cases, open steps, steps done in the last 30 days.

    Three queries whatever the number of agents or cases.
    """
    agents = db.session.scalars(select(User).where(
        User.center_id == center_id, User.role == Role.AGENT, User.active.is_(True))
        .order_by(User.name)).all()
    open_cases = dict(db.session.execute(
        select(Case.agent_id, func.count(Case.id))
        .where(Case.center_id == center_id, Case.status.in_(OPEN_CASE_STATUSES))
        .group_by(Case.agent_id)).all())
    since = clock.today() - timedelta(days=30)
    step_counts = db.session.execute(
        select(Case.agent_id,
               func.count(Step.id).filter(Step.status.in_(OPEN_STEP_STATUSES)
                                          & Case.status.in_(OPEN_CASE_STATUSES)),
               func.count(Step.id).filter(and_(Step.status == StepStatus.APPROVED,
                                               Step.approved_on >= since)))
        .join(Step, Step.case_id == Case.id)
        .where(Case.center_id == center_id).group_by(Case.agent_id)).all()
    steps = {agent_id: (open_, done) for agent_id, open_, done in step_counts}
    return [Workload(agent, open_cases.get(agent.id, 0), *steps.get(agent.id, (0, 0)))
            for agent in agents]


def paginate(query):
    """One page of `query` (page number from ?page=), size from PAGE_SIZE."""
    return db.paginate(query, page=request.args.get("page", 1, type=int),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)


__all__ = ["CaseStatus", "Workload", "agent_workloads", "paginate"]
