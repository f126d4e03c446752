"""filing rounds of steps, suspension periods of cases, the day work started

Revision ID: g7c0de300007
Revises: f6c0de200006
Create Date: 2026-12-06 19:03:17

Deadlines were computed once and their history overwritten: a refiling replaced the filing
date, a return kept no date, a resume cleared the suspension. step_rounds keeps each filing
(filed, returned with what to correct, decided) and case_suspensions each period, so that
every due date can be derived again under a changed calendar (deadlines.due_of).

Existing data is backfilled (`backfill`) from the audit log and the step and case columns:
- a round per `submit` event of a step, returned and decided on the days of its `return`,
  `approve` and `refuse` events (Asia/Shanghai dates); the current round takes the stored
  columns, the better source: submitted_on, approved_on, and for the latest return its
  correction_request and remaining_workdays. What an earlier return asked for was
  overwritten on the step: its round keeps the comment of its audit event.
- a suspension period per `suspend` event, ended by the next `resume`; started_on of a
  case is the day of its `seal` event (work started when the agreement was sealed).
- allotted days: the first round the item's promised limit (or, where the stored allotted working
  days say otherwise, those), a refiling the working days left at the return before it. The
  running round's allotment and the case's promised working days are chosen so that
  deadlines.due_of and promised_of give the stored due_on and promised_on again: the
  backfill moves no deadline.
Dates are counted on the holidays table as it stands (Core SQL here, never the ORM models,
so the migration keeps working whatever the models become).
"""
from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

import proxy_service.models.types
from proxy_service.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'g7c0de300007'
down_revision = 'f6c0de200006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_suspensions_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_suspensions'))
    )
    with op.batch_alter_table('case_suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_suspensions_case_id'), ['case_id'], unique=False)

    op.create_table('step_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('allotted', sa.Integer(), nullable=False),
    sa.Column('allotted_unit', sa.Enum('workday', 'calendar_day', name='limitunit', native_enum=False, length=20), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('correction_request', sa.Text(), nullable=False),
    sa.Column('remaining_workdays', sa.Integer(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('created_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['step_id'], ['steps.id'], name=op.f('fk_step_rounds_step_id_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_rounds')),
    sa.UniqueConstraint('step_id', 'number', name=op.f('uq_step_rounds_step_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('promised_workdays', sa.Integer(), nullable=True))
    backfill(op.get_bind())


def downgrade():
    # ALTER TABLE … DROP COLUMN, SQLite's own (3.35+) too: batch mode would rebuild `cases`,
    # and dropping the old copy fails once steps, agreements… point at it (foreign keys are
    # on). On PostgreSQL batch mode issues this same statement.
    op.drop_column('cases', 'promised_workdays')
    op.drop_column('cases', 'started_on')

    op.drop_table('step_rounds')
    with op.batch_alter_table('case_suspensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_suspensions_case_id'))

    op.drop_table('case_suspensions')


# --- the backfill -------------------------------------------------------------------------

BEIJING = ZoneInfo("Asia/Shanghai")
CHUNK = 500      # cases per batch: their steps and events are read with a range on case_id
ONE_DAY = timedelta(days=1)

DATES = {"suspended_on", "promised_on", "started_on", "submitted_on", "approved_on", "due_on",
         "day", "filed_on", "returned_on", "decided_on", "ended_on"}


def _table(name, *columns):
    """A lightweight table: date columns typed (SQLite hands back text otherwise)."""
    return sa.table(name, *(sa.column(c, sa.Date) if c in DATES else
                            sa.column(c, UTCDateTime()) if c in ("at", "created_at") else
                            sa.column(c) for c in columns))


cases = _table("cases", "id", "status", "reason", "suspended_on", "promised_on", "started_on",
               "promised_workdays")
steps = _table("steps", "id", "case_id", "item_id", "status", "submitted_on", "approved_on",
               "correction_request", "remaining_workdays", "due_on", "allotted_workdays")
items = _table("approval_items", "id", "promised_limit", "promised_unit")
events = _table("audit_events", "id", "at", "case_id", "object_type", "object_id", "action",
                "comment")
holidays = _table("holidays", "day", "kind")
rounds = _table("step_rounds", "step_id", "number", "filed_on", "allotted", "allotted_unit",
                "returned_on", "correction_request", "remaining_workdays", "decided_on",
                "created_at")
suspensions = _table("case_suspensions", "case_id", "started_on", "ended_on", "reason",
                     "created_at")


class Calendar:
    """deadlines.py's working-day arithmetic over the holidays table as it stands."""

    def __init__(self, conn):
        rows = conn.execute(sa.select(holidays.c.day, holidays.c.kind)).all()
        self.rest = {day for day, kind in rows if kind == "rest"}
        self.makeup = {day for day, kind in rows if kind == "workday"}

    def is_workday(self, day):
        return day in self.makeup or (day.weekday() < 5 and day not in self.rest)

    def add(self, day, n):
        step = ONE_DAY if n >= 0 else -ONE_DAY
        for _ in range(abs(n)):
            day += step
            while not self.is_workday(day):
                day += step
        return day

    def between(self, start, end):
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_workday(day)
        return count

    def limit_end(self, day, allotted, unit):
        if unit == "calendar_day":
            day += timedelta(days=allotted)
            while not self.is_workday(day):
                day += ONE_DAY
            return day
        return self.add(day, allotted)

    def fit(self, start, end, paused):
        """The working days from `start` whose end, moved by `paused` working days, is `end`."""
        return self.between(start, self.add(end, -paused))


def backfill(conn):
    """Rounds, suspension periods and start days for the cases that have none, from the audit
    log and the stored columns, in batches of cases. Idempotent: done cases are skipped."""
    calendar = Calendar(conn)
    limits = {row.id: (row.promised_limit, row.promised_unit)
              for row in conn.execute(sa.select(items))}
    last = conn.execute(sa.select(sa.func.max(cases.c.id))).scalar() or 0
    for low in range(1, last + 1, CHUNK):
        high = low + CHUNK - 1
        log = _events(conn, low, high)
        periods = _backfill_suspensions(conn, low, high, log)
        _backfill_starts(conn, calendar, low, high, log, periods)
        _backfill_rounds(conn, calendar, limits, low, high, log, periods)


def _events(conn, low, high):
    """{(object type, id): [(action, Beijing date, comment, at)]} of the cases low..high."""
    log = defaultdict(list)
    query = sa.select(events).where(
        events.c.case_id.between(low, high), events.c.object_type.in_(("case", "step")),
        events.c.action.in_(("seal", "suspend", "resume", "submit", "return", "approve",
                             "refuse"))).order_by(events.c.at, events.c.id)
    for row in conn.execute(query):
        day = row.at.astimezone(BEIJING).date()
        log[row.object_type, row.object_id].append((row.action, day, row.comment or "", row.at))
    return log


def _backfill_suspensions(conn, low, high, log):
    """Each case's periods ({case id: [period]}), inserted for the cases that have none."""
    done = set(conn.execute(sa.select(suspensions.c.case_id).where(
        suspensions.c.case_id.between(low, high))).scalars())
    found, new = {}, []
    for case in conn.execute(sa.select(cases).where(cases.c.id.between(low, high))):
        periods = []
        for action, day, comment, at in log[("case", case.id)]:
            if action == "suspend":
                periods.append({"case_id": case.id, "started_on": day, "ended_on": None,
                                "reason": comment, "created_at": at})
            elif action == "resume" and periods and periods[-1]["ended_on"] is None:
                periods[-1]["ended_on"] = day
        if case.status == "suspended" and case.suspended_on is not None:
            if not periods or periods[-1]["ended_on"] is not None:
                periods.append({"case_id": case.id, "started_on": case.suspended_on,
                                "ended_on": None, "reason": case.reason or "", "created_at": None})
            periods[-1]["started_on"] = case.suspended_on      # the stored day wins
        found[case.id] = periods
        if case.id not in done:
            new += periods
    if new:
        conn.execute(suspensions.insert(), new)
    return found


def _paused(calendar, periods, since, until=None):
    """Working days in the ended periods that began on or after `since` (and before `until`)."""
    return sum(calendar.between(p["started_on"], p["ended_on"]) for p in periods
               if p["ended_on"] is not None and p["started_on"] >= since
               and (until is None or p["started_on"] < until))


def _backfill_starts(conn, calendar, low, high, log, periods):
    """started_on from the seal event; promised_workdays so that promised_of is promised_on."""
    query = sa.select(cases).where(cases.c.id.between(low, high), cases.c.started_on.is_(None))
    for case in conn.execute(query).all():
        sealed = [day for action, day, _, _ in log[("case", case.id)] if action == "seal"]
        if not sealed:
            continue
        started, promised = sealed[0], None
        if case.promised_on is not None:
            paused = _paused(calendar, periods[case.id], started)
            promised = calendar.fit(started, case.promised_on, paused)
        conn.execute(cases.update().where(cases.c.id == case.id).values(
            started_on=started, promised_workdays=promised))


def _backfill_rounds(conn, calendar, limits, low, high, log, periods):
    """The rounds of the steps of cases low..high that have none."""
    done = set(conn.execute(sa.select(rounds.c.step_id).select_from(
        rounds.join(steps, rounds.c.step_id == steps.c.id)).where(
        steps.c.case_id.between(low, high))).scalars())
    new = []
    for step in conn.execute(sa.select(steps).where(steps.c.case_id.between(low, high))).all():
        filings = [] if step.id in done else _filings(step, log[("step", step.id)])
        if filings:
            _allotments(calendar, filings, step, limits[step.item_id], periods.get(step.case_id, []))
            new += filings
    if new:
        conn.execute(rounds.insert(), new)


def _filings(step, entries):
    """The step's rounds from its events, the current one corrected by the stored columns."""
    filings = []
    for action, day, comment, at in entries:
        if action == "submit":
            filings.append({"step_id": step.id, "number": len(filings) + 1, "filed_on": day,
                            "allotted": 0, "allotted_unit": "workday", "returned_on": None,
                            "correction_request": "", "remaining_workdays": None,
                            "decided_on": None, "created_at": at})
        elif filings and action == "return":
            filings[-1].update(returned_on=day, correction_request=comment)
        elif filings:
            filings[-1]["decided_on"] = day
    if not filings:
        return filings
    current = filings[-1]
    current["filed_on"] = step.submitted_on or current["filed_on"]
    if step.status == "submitted":
        current.update(returned_on=None, decided_on=None)
    elif step.status == "approved":
        current["decided_on"] = step.approved_on or current["decided_on"]
    elif step.status == "returned":
        current["remaining_workdays"] = step.remaining_workdays
    returned = [filing for filing in filings if filing["returned_on"] is not None]
    if returned and step.correction_request:
        returned[-1]["correction_request"] = step.correction_request
    return filings


def _allotments(calendar, filings, step, limit, periods):
    """Each round's allotted working days and each return's working days left, as deadlines.on_submit and
    on_return kept them; the running round's fitted to the stored due date."""
    allotted, unit = limit
    filed = filings[0]["filed_on"]
    first_allotted = calendar.between(filed, calendar.limit_end(filed, allotted, unit))
    if step.allotted_workdays is not None and first_allotted != step.allotted_workdays:
        allotted, unit = step.allotted_workdays, "workday"   # the item's limit changed since
    for filing in filings:
        filing["allotted"], filing["allotted_unit"] = allotted, unit
        if filing["returned_on"] is None:
            break
        if filing["remaining_workdays"] is None:           # an earlier return: counted again
            due = calendar.add(calendar.limit_end(filing["filed_on"], allotted, unit), _paused(
                calendar, periods, filing["filed_on"], filing["returned_on"]))
            filing["remaining_workdays"] = max(0, calendar.between(filing["returned_on"], due))
        allotted, unit = filing["remaining_workdays"], "workday"
    current = filings[-1]
    if step.status != "submitted" or step.due_on is None:
        return
    paused = _paused(calendar, periods, current["filed_on"])
    end = calendar.limit_end(current["filed_on"], current["allotted"], current["allotted_unit"])
    if calendar.add(end, paused) != step.due_on:
        current["allotted"] = calendar.fit(current["filed_on"], step.due_on, paused)
        current["allotted_unit"] = "workday"
        if len(filings) > 1:
            filings[-2]["remaining_workdays"] = current["allotted"]
