"""A change to the working-day calendar moves the deadlines it touches (DESIGN.md §4).

A step's due date and a case's promised date are derived from stored history (filing rounds,
suspension periods) under the calendar (deadlines.refresh_step / refresh_promised). When a
manager adds, changes or removes a day, or replaces a year, `calendar_changed` derives them
again, in the same transaction, for every running step whose clock (its last filing, its due
date] and every open case whose (start, promised date] holds a changed day, the span reaching
to the end of the last suspension counted (one after the date included: its working days
still move it); a day outside that span cannot move the date. Returned steps keep the
working days they had left, closed steps and closed cases their history: neither is touched.

Each moved due date is audited on its step ("到期日因节假日调整：旧 → 新"); each case with
moved dates gets one "deadlines_moved" event listing them (its promised date included), which
notifies its agent and its enterprise once (notifications/rules.py).

Cost: one statement finds the steps, a UNION of the running ones due on or after the first
changed day (a range on ix_steps_status_due) and those of the cases with a suspension that
ended on or after it (a range on ix_case_suspensions_ended_on); one the cases alike (on
ix_cases_status_promised and the same suspensions). Neither reads the running steps or open
cases a change after their dates cannot touch. They are then loaded, recomputed and flushed
BATCH cases at a time, with a number of statements that does not grow with the steps of
those cases.
"""
from bisect import bisect_right
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Date, bindparam, func, null, or_, select, type_coerce, union_all, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from proxy_service.audit import chain as audit_chain
from proxy_service.calendar import deadlines, workdays
from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    CalendarYear,
    Case,
    CaseStatus,
    Step,
    StepStatus,
    Suspension,
)
from proxy_service.models.types import utcnow
from proxy_service.workflow import revision
from proxy_service.workflow.moves import _audit_event

BATCH = 100                                     # cases per load and flush
OPEN_CASES = (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED)   # the ones with clocks
STEP_DATES = ("due_on", "allotted_workdays", "yellow_on")      # deadlines.dates_of's order
NO_DATE = type_coerce(null(), Date)     # the due-date half of a UNION has no suspension end


def calendar_changed(actor, days):
    """The calendar changed on `days` (an iterable of dates) and the session holds the change:
    move the deadlines those days touch, audit them and notify (see the module docstring).
    `actor` is the manager who changed the calendar (named on their own center's cases only),
    or None for the system. Flushes, never commits; raises StaleDataError when a touched step
    or case was saved meanwhile.
    Returns {case: [what moved, as its audit event says]} for the cases whose dates moved."""
    days = sorted(set(days))
    if not days:
        return {}
    db.session.flush()
    workdays.forget()
    steps, cases = _touched_steps(days), _touched_cases(days)
    ids = sorted(cases | steps.keys())
    moved = {}
    for start in range(0, len(ids), BATCH):
        moved.update(_recompute(actor, ids[start:start + BATCH], steps, cases))
        db.session.flush()
    return moved


def _spans(days, start, end, paused_until=None):
    """Whether a day of the sorted `days` lies in (start, end], the end taken as late as the
    last suspension counted (`paused_until`): its working days move the date wherever it
    lies, after the date included."""
    end = max(day for day in (end, paused_until) if day is not None)
    first_after = bisect_right(days, start) if start is not None else 0
    return first_after < len(days) and days[first_after] <= end


def _paused_until(case_id, since):
    """SQL: the end of the last ended suspension of the case `case_id` that began on or after
    `since`, the ones deadlines.due_from and promised_of count (NULL: none)."""
    return select(func.max(Suspension.ended_on)).where(
        Suspension.case_id == case_id, Suspension.started_on >= since).scalar_subquery()


def _paused_on_or_after(first):
    """SQL: the ids of the cases with a suspension that ended on or after `first`, a range on
    ix_case_suspensions_ended_on: their suspended working days may hold a changed day,
    wherever their dates lie."""
    return select(Suspension.case_id).where(Suspension.ended_on >= first)


def _touched_steps(days):
    """{case id: [step ids]} of the running steps of open cases whose clock spans a day: those
    due on or after the first day (a range on ix_steps_status_due) and those of the cases
    paused since (on ix_case_suspensions_ended_on, then ix_steps_case_status), in one UNION."""
    running = select(Step.id, Step.case_id, Step.submitted_on, Step.due_on).join(Step.case).where(
        Step.status == StepStatus.SUBMITTED, Case.status.in_(OPEN_CASES),
        or_(Step.submitted_on.is_(None), Step.submitted_on < days[-1]))
    rows = db.session.execute(union_all(
        running.add_columns(NO_DATE).where(Step.due_on >= days[0]),
        running.add_columns(_paused_until(Step.case_id, Step.submitted_on))
        .where(Step.case_id.in_(_paused_on_or_after(days[0])))))
    touched = {}
    for step_id, (case_id, filed_on, due_on, until) in _one_per_id(rows).items():
        if _spans(days, filed_on, due_on, until):
            touched.setdefault(case_id, []).append(step_id)
    return touched


def _touched_cases(days):
    """Ids of the open cases whose promised date spans a day: those promised on or after the
    first day (a range on ix_cases_status_promised) and those paused since, in one UNION. The
    paused ones are found by their id alone, their status checked here: a condition on it
    would lead SQLite, without statistics, to read every open case by status instead."""
    started = select(Case.id, Case.status, Case.started_on, Case.promised_on).where(
        Case.started_on < days[-1])
    rows = db.session.execute(union_all(
        started.add_columns(NO_DATE).where(Case.status.in_(OPEN_CASES),
                                           Case.promised_on >= days[0]),
        started.add_columns(_paused_until(Case.id, Case.started_on))
        .where(Case.id.in_(_paused_on_or_after(days[0])))))
    return {case_id for case_id, (status, started_on, promised_on, until)
            in _one_per_id(rows).items()
            if status in OPEN_CASES and _spans(days, started_on, promised_on, until)}


def _one_per_id(rows):
    """{id: (columns…, paused until)} from the UNION's rows (id, columns…, paused until), where
    an id found by both halves takes the paused half's end (the other half has none)."""
    found = {}
    for row_id, *columns, until in rows:
        if until is not None or row_id not in found:
            found[row_id] = (*columns, until)
    return found


@dataclass
class _Changes:
    """What a batch writes: (object, {column: value}) per step and case, step audit events."""
    steps: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    events: list = field(default_factory=list)


def _recompute(actor, case_ids, steps, cases):
    """Derive a batch of cases' dates and their touched steps' again; store the ones that
    differ and audit the moves. {case: [what moved]}."""
    loaded = db.session.scalars(select(Case).where(Case.id.in_(case_ids)).options(
        selectinload(Case.suspensions), joinedload(Case.center), joinedload(Case.project),
        joinedload(Case.enterprise), joinedload(Case.agent))).all()
    by_case = _load_steps([step_id for case_id in case_ids for step_id in steps.get(case_id, ())])
    changes, moved = _Changes(), {}
    for case in loaded:
        lines = [line for step in by_case.get(case.id, ())
                 for line in _derive_step(_named(actor, case), step, changes)]
        if case.id in cases:
            lines += _derive_promised(case, changes)
        if lines:
            moved[case] = lines
    _store(Step, changes.steps)
    _store(Case, changes.cases)
    # One UPDATE for the batch: a step whose yellow day alone moved changes its light, unaudited.
    revision.touch({step.case_id for step, _ in changes.steps}
                   | {case.id for case, _ in changes.cases})
    audit_chain.append_rows(db.session, changes.events)
    for case, lines in moved.items():
        _audit_event(_named(actor, case), case, "deadlines_moved",
                     comment="；".join(lines))  # i18n-keep: audit record
    return moved


def _named(actor, case):
    """Who moved the case's dates: the manager who changed the calendar on their own center's
    cases, the system (None) on the others' (the calendar is national; the calendar_year
    event names the manager)."""
    return actor if actor is not None and actor.center_id == case.center_id else None


def _derive_step(actor, step, changes):
    """The step's dates again; its due date's move, audited, as the case's line ([] if none)."""
    dates = deadlines.dates_of(step)
    if dates is None or dates == tuple(getattr(step, name) for name in STEP_DATES):
        return []
    changes.steps.append((step, dict(zip(STEP_DATES, dates, strict=True))))
    old, new = step.due_on, dates[0]
    if old == new:
        return []    # only the days inside a calendar-day limit changed, or the yellow day
    changes.events.append(AuditEvent.record(  # i18n-keep: audit record
        actor, step, "due_moved", comment=f"到期日因节假日调整：{old} → {new}"))
    return [f"「{step.item.name}」到期日 {old} → {new}"]  # i18n-keep: audit record


def _derive_promised(case, changes):
    old, new = case.promised_on, deadlines.promised_of(case)
    if old == new:
        return []
    changes.cases.append((case, {"promised_on": new}))
    return [f"承诺办结日 {old} → {new}"]  # i18n-keep: audit record


def _load_steps(step_ids):
    """{case id: [steps]} with what their dates are derived from."""
    by_case = {}
    for step in db.session.scalars(select(Step).where(Step.id.in_(step_ids)).options(
            selectinload(Step.rounds), joinedload(Step.item)).order_by(Step.id)):
        by_case.setdefault(step.case_id, []).append(step)
    return by_case


def _store(model, changes):
    """Write `changes` [(object, {column: value})], all with the same columns, in one
    executemany UPDATE that checks each row's version as a flush would (the ORM writes
    versioned rows one statement each); the objects then hold what was written."""
    if not changes:
        return
    table, stamp = model.__table__, utcnow()
    names = list(changes[0][1])
    statement = update(table).where(
        table.c.id == bindparam("row_id"), table.c.version == bindparam("seen_version")
    ).values(version=bindparam("next_version"), updated_at=bindparam("stamp"),
             **{name: bindparam(f"new_{name}") for name in names})
    rows = [{"row_id": obj.id, "seen_version": obj.version, "next_version": obj.version + 1,
             "stamp": stamp, **{f"new_{name}": value for name, value in values.items()}}
            for obj, values in changes]
    if db.session.execute(statement, rows).rowcount != len(rows):
        raise StaleDataError(f"{table.name}: a row changed while its dates were recomputed")
    for (obj, values), row in zip(changes, rows, strict=True):
        for name, value in {**values, "version": row["next_version"], "updated_at": stamp}.items():
            set_committed_value(obj, name, value)


# --- after an upgrade --------------------------------------------------------------

def recompute_pending(connection):
    """calendar_changed(None, …) for the years a migration changed (their calendar_years rows
    marked deadlines_pending), every day of each (a migration may have taken days out as well
    as put them in), and the marks cleared: migrations/env.py calls it when an upgrade reaches
    head, on the migration's connection and in its transaction. Only there do the models this
    code loads match the schema, so no migration runs it itself. By the system.
    Returns the number of cases whose dates moved."""
    with _session_on(connection) as session:
        marked = session.scalars(select(CalendarYear).where(CalendarYear.deadlines_pending)).all()
        moved = calendar_changed(None, [day for row in marked for day in _every_day(row.year)])
        for row in marked:
            row.deadlines_pending = False
            row.version = CalendarYear.version + 1     # the calendar's version (workdays)
        return len(moved)


def _every_day(year):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@contextmanager
def _session_on(connection):
    """db.session works on `connection` for the block (and flushes there), then is restored."""
    if not connection.in_transaction():     # a session would begin one and roll it back
        raise RuntimeError("recompute_pending runs inside the migration's transaction")
    factory, registry = db.session.session_factory, db.session.registry
    previous = registry() if registry.has() else None

    class OnConnection(factory.class_):   # the app's session class: its listeners apply
        def get_bind(self, *args, **kwargs):
            return connection

    session = OnConnection(**{**factory.kw, "bind": connection})
    registry.set(session)
    try:
        yield session
        session.flush()
        while session.new:      # a flush's events add notifications: the next one writes them
            session.flush()
    finally:
        session.close()
        workdays.forget()
        if previous is None:
            registry.clear()
        else:
            registry.set(previous)
