"""Read-side queries shared by several pages, each a fixed number of SQL statements."""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import asc, desc, func, literal, nulls_first, nulls_last, select, union_all
from sqlalchemy.sql import operators

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    OPEN_STEP_STATUSES,
    Case,
    CaseStatus,
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


def paginate(query, from_nearer_end=False):
    """One page of `query` (page number from ?page=), size from PAGE_SIZE.

    `from_nearer_end`: pages past the middle are read in the reverse order from the end
    (and turned round), so the last page costs what the first does instead of skipping
    every row before it. Only for queries whose ORDER BY is total (ends with a unique key):
    with ties the two directions could disagree on which rows share a page.
    """
    page = max(request.args.get("page", 1, type=int), 1)
    per_page = current_app.config["PAGE_SIZE"]
    if from_nearer_end:
        return NearerEndPagination(select=query, session=db.session, page=page,
                                   per_page=per_page, error_out=False)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


class NearerEndPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination, counting first and then reading the page from the
    nearer end of the ordered rows. Still two statements."""

    def _query_items(self):
        select_, session = self._query_args["select"], self._query_args["session"]
        self._total = super()._query_count()
        start = self._query_offset
        end = min(start + self.per_page, self._total)
        if start >= end or start <= self._total - end:   # empty, or the first half: as usual
            return super()._query_items()
        backwards = select_.order_by(None).order_by(*map(_reversed, select_._order_by_clauses))
        rows = list(session.execute(backwards.limit(end - start).offset(self._total - end))
                    .unique().scalars())
        return rows[::-1]

    def _query_count(self):
        return self._total


_FLIPPED = {operators.asc_op: desc, operators.desc_op: asc,
            operators.nulls_first_op: nulls_last, operators.nulls_last_op: nulls_first}


def _reversed(clause):
    """The ORDER BY term sorting the other way, NULLs included (x ASC NULLS LAST → x DESC
    NULLS FIRST); a bare term is ascending. Each database's default NULL placement flips
    with the direction, so terms without NULLS stay exact mirrors."""
    flip = _FLIPPED.get(getattr(clause, "modifier", None))
    if flip is None:
        return clause.desc()
    if clause.modifier in (operators.nulls_first_op, operators.nulls_last_op):
        return flip(_reversed(clause.element))
    return flip(clause.element)


__all__ = ["CaseStatus", "Workload", "agent_workloads", "cases_active_since", "paginate"]
