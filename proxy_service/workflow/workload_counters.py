"""The workload counters (models/workloads.py), kept in the transaction of every change.

An `after_flush` listener sees every case whose agent or status changed and every step
created or whose status or approval date changed, whichever verb (or bulk re-assignment)
made the change, and moves the counts of the agents concerned by the difference between
what those cases counted before the flush and what they count now. A listener rather than a
call in each verb: the counts follow the rows themselves, so a verb added later cannot forget
them. `rebuild()` (the `flask workloads rebuild` command) counts them afresh from the rows.

Cases and steps are never deleted (DESIGN.md §5: history is stored, never overwritten); a
deleted row is left to `rebuild()`.
"""
from collections import Counter

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from proxy_service.core.extensions import db
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    OPEN_STEP_STATUSES,
    AgentApprovals,
    AgentOpenWork,
    Case,
    Step,
    StepStatus,
)

_OPEN_CASES = frozenset(OPEN_CASE_STATUSES)
_OPEN_STEPS = frozenset(OPEN_STEP_STATUSES)
_NEW = object()   # a row this flush inserted: it counted nothing before


def contribution(agent_id, case_status, steps):
    """What one case counts: Counter {("open", agent): (cases, steps)-parts, ("approved",
    agent, day): steps}; `steps` are (status, approved_on) pairs."""
    counts = Counter()
    if agent_id is None:
        return counts
    is_open = case_status in _OPEN_CASES
    if is_open:
        counts[("cases", agent_id)] += 1
    for status, approved_on in steps:
        if is_open and status in _OPEN_STEPS:
            counts[("steps", agent_id)] += 1
        if status == StepStatus.APPROVED and approved_on is not None:
            counts[("approved", agent_id, approved_on)] += 1
    return counts


@event.listens_for(db.session, "after_flush")
def _follow_changes(session, _flush_context):
    # Here the rows hold the new values while attribute history still holds the old ones.
    old_cases, old_steps = _changes(session)
    if not old_cases:
        return
    now = _current(session, old_cases)
    delta = Counter()
    for case_id, (agent_id, status, steps) in now.items():
        delta.update(contribution(agent_id, status, [(s, a) for _, s, a in steps]))
        before = old_cases[case_id]
        if before is _NEW:
            continue
        old_agent, old_status = (agent_id, status) if before is None else before
        delta.subtract(contribution(old_agent, old_status, [
            old_steps.get(step_id, (s, a)) for step_id, s, a in steps
            if old_steps.get(step_id) is not _NEW]))
    _apply(session, delta)


def _changes(session):
    """({case id: (old agent id, old status), None (unchanged) or _NEW},
    {step id: (old status, old approved_on) or _NEW}) for this flush."""
    cases, steps = {}, {}
    for obj in session.new:
        if isinstance(obj, Case):
            cases[obj.id] = _NEW
        elif isinstance(obj, Step):
            steps[obj.id] = _NEW
            cases.setdefault(obj.case_id, None)
    for obj in session.dirty:
        if isinstance(obj, Case):
            agent, status = _was(obj, "agent_id"), _was(obj, "status")
            if agent is not None or status is not None:
                cases[obj.id] = (obj.agent_id if agent is None else agent[0],
                                 obj.status if status is None else status[0])
        elif isinstance(obj, Step):
            status, approved_on = _was(obj, "status"), _was(obj, "approved_on")
            if status is not None or approved_on is not None:
                steps[obj.id] = (obj.status if status is None else status[0],
                                 obj.approved_on if approved_on is None else approved_on[0])
                cases.setdefault(obj.case_id, None)
    return cases, steps


def _was(obj, key):
    """(the value before this flush,) when the flush changed attribute `key`; else None."""
    history = inspect(obj).attrs[key].history
    if not history.added and not history.deleted:
        return None
    return (history.deleted[0] if history.deleted else None,)


def _current(session, case_ids):
    """{case id: (agent id, status, [(step id, status, approved_on)])} as the rows are now;
    one statement."""
    rows = session.execute(
        select(Case.id, Case.agent_id, Case.status, Step.id, Step.status, Step.approved_on)
        .outerjoin(Step, Step.case_id == Case.id).where(Case.id.in_(list(case_ids)))).all()
    current = {}
    for case_id, agent_id, status, step_id, step_status, approved_on in rows:
        entry = current.setdefault(case_id, (agent_id, status, []))
        if step_id is not None:
            entry[2].append((step_id, step_status, approved_on))
    return current


def _apply(session, delta):
    """Add `delta` to the counter rows, in key order (two transactions touching the same
    agents lock their rows in the same order on PostgreSQL); a row counted down to nothing
    goes, so the rows are always those rebuild() writes."""
    agents = sorted({key[1] for key, n in delta.items() if n and key[0] != "approved"})
    for agent_id in agents:
        _upsert(session, AgentOpenWork, {"agent_id": agent_id},
                {"open_cases": delta[("cases", agent_id)], "open_steps": delta[("steps", agent_id)]})
    days = sorted(key for key, n in delta.items() if n and key[0] == "approved")
    for key in days:
        _upsert(session, AgentApprovals, {"agent_id": key[1], "approved_on": key[2]},
                {"steps": delta[key]})
    if any(n < 0 for n in delta.values()):
        session.execute(delete(AgentOpenWork).where(
            AgentOpenWork.agent_id.in_(agents), AgentOpenWork.open_cases == 0,
            AgentOpenWork.open_steps == 0))
        session.execute(delete(AgentApprovals).where(
            AgentApprovals.agent_id.in_({key[1] for key in days}), AgentApprovals.steps == 0))


def _upsert(session, model, key, increments):
    """INSERT the row with `increments` as its counts, or add them to the row there."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = model.__table__
    statement = dialect.insert(table).values(**key, **increments)
    session.execute(statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in increments}))


# --- counting afresh -------------------------------------------------------------------------

def rebuild(session):
    """Count every agent's open work and approvals afresh from the cases and steps (after a
    bulk load that bypassed the ORM, e.g. seed-scale, or to check the counters)."""
    session.execute(delete(AgentApprovals))
    session.execute(delete(AgentOpenWork))
    held = [Case.agent_id.isnot(None)]
    open_cases = dict(session.execute(
        select(Case.agent_id, func.count(Case.id))
        .where(*held, Case.status.in_(OPEN_CASE_STATUSES)).group_by(Case.agent_id)).all())
    open_steps = dict(session.execute(
        select(Case.agent_id, func.count(Step.id)).join(Step, Step.case_id == Case.id)
        .where(*held, Case.status.in_(OPEN_CASE_STATUSES), Step.status.in_(OPEN_STEP_STATUSES))
        .group_by(Case.agent_id)).all())
    approvals = session.execute(
        select(Case.agent_id, Step.approved_on, func.count(Step.id))
        .join(Step, Step.case_id == Case.id)
        .where(*held, Step.status == StepStatus.APPROVED, Step.approved_on.isnot(None))
        .group_by(Case.agent_id, Step.approved_on)).all()
    rows = [{"agent_id": agent_id, "open_cases": n, "open_steps": open_steps.get(agent_id, 0)}
            for agent_id, n in open_cases.items()]
    if rows:   # an open step belongs to an open case: its agent is among these
        session.execute(AgentOpenWork.__table__.insert(), rows)
    if approvals:
        session.execute(AgentApprovals.__table__.insert(), [
            {"agent_id": agent_id, "approved_on": day, "steps": n} for agent_id, day, n in approvals])


@click.group("workloads")
def workloads_cli():
    """The workload counters (代办员工作量)."""


@workloads_cli.command("rebuild")
@with_appcontext
def rebuild_command():
    """Count every agent's open cases, open steps and daily approvals afresh."""
    rebuild(db.session)
    db.session.commit()
    click.echo("workload counters rebuilt")
