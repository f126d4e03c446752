"""estimated holidays for the years not yet published; a year is entered when complete

Revision ID: h8c0de400008
Revises: g7c0de300007
Create Date: 2026-12-01 09:00:00

holidays.estimated marks a rest day derived from 《全国年节及纪念日放假办法》 rather than
published; calendar_years.complete says the year's whole schedule is in. The package's years
(2004-2026 at chinesecalendar 1.11.0) are complete, a manager's edits to them included; a year
a manager entered beyond them is not, until a manager marks it so (the banner says what is
missing). Each year after the package's through the year after next that has no schedule
gets its estimates here; later years get theirs from `flask calendar estimate` (cron).

The estimates come from the app's own rules (proxy_service.calendar.statutory_holidays, pure, no
models): they are the law's, the same for this migration as for the command.

The open deadlines these rest days touch move once (issue 13 item 2), but not here: that is
the application's recompute (audited, notified), whose models match the schema only at head,
so a migration cannot run it without breaking the day a later one changes those tables. The
years estimated here are marked calendar_years.deadlines_pending; migrations/env.py runs
deadline_recompute.recompute_pending when the upgrade reaches head, in the transaction of the
migration that reaches it (on PostgreSQL, the whole upgrade's).

The downgrade takes the estimates out and gives the running steps and open cases the dates
the older code has, derived again without them, each move audited by the system (frozen Core
SQL, `_restore_deadlines`): kept as they were, g7c0de300007's backfill on an upgrade again
would fit the rounds to dates that already count the estimates, and they would count twice.
"""
from datetime import timezone
import hashlib
import json

from alembic import op
import sqlalchemy as sa

from proxy_service.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'h8c0de400008'
down_revision = 'g7c0de300007'
branch_labels = None
depends_on = None

ESTIMATED = "estimated"
holidays = sa.table("holidays", sa.column("day", sa.Date), sa.column("kind", sa.String),
                    sa.column("name", sa.String), sa.column("estimated", sa.Boolean))
calendar_years = sa.table("calendar_years", sa.column("year", sa.Integer),
                          sa.column("source", sa.String), sa.column("complete", sa.Boolean),
                          sa.column("deadlines_pending", sa.Boolean),
                          sa.column("updated_at", UTCDateTime()))


def _estimates(last_packaged, taken):
    from proxy_service.core import clock
    from proxy_service.calendar.statutory_holidays import rest_rows
    from proxy_service.calendar.schedule import YEARS_AHEAD

    years = [year for year in range(last_packaged + 1, clock.today().year + YEARS_AHEAD + 1)
             if year not in taken]
    rows = [{"day": guess.day, "kind": "rest", "name": guess.name, "estimated": True}
            for year in years for guess in rest_rows(year)]
    return years, rows


def upgrade():
    from chinese_calendar import constants
    from proxy_service.core import clock

    with op.batch_alter_table('calendar_years', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complete', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('deadlines_pending', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimated', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    last_packaged = max(constants.holidays).year
    op.execute(calendar_years.update().where(calendar_years.c.year <= last_packaged)
               .values(complete=True))
    taken = {row[0] for row in op.get_bind().execute(sa.select(calendar_years.c.year))}
    years, rows = _estimates(last_packaged, taken)
    op.bulk_insert(calendar_years, [{"year": year, "source": ESTIMATED, "complete": False,
                                     "deadlines_pending": True, "updated_at": clock.now()}
                                    for year in years])
    op.bulk_insert(holidays, rows)


def downgrade():
    op.execute(holidays.delete().where(holidays.c.estimated == sa.true()))
    op.execute(calendar_years.delete().where(calendar_years.c.source == ESTIMATED))
    _restore_deadlines(op.get_bind())
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.drop_column('estimated')
    with op.batch_alter_table('calendar_years', schema=None) as batch_op:
        batch_op.drop_column('deadlines_pending')
        batch_op.drop_column('complete')


# --- the downgrade: the dates the older code has ------------------------------------------

CHUNK = 500                                     # cases per batch
OPEN_CASES = ("in_progress", "suspended")       # the ones with clocks
DATES = {"due_on", "yellow_on", "started_on", "promised_on", "filed_on", "returned_on",
         "decided_on", "ended_on"}


def _table(name, *columns):
    return sa.table(name, *(sa.column(c, sa.Date) if c in DATES else
                            sa.column(c, UTCDateTime()) if c in ("at", "updated_at") else
                            sa.column(c) for c in columns))


cases = _table("cases", "id", "center_id", "enterprise_id", "status", "started_on",
               "promised_on", "promised_workdays", "version", "updated_at")
centers = _table("centers", "id", "yellow_days")
steps = _table("steps", "id", "case_id", "item_id", "status", "due_on", "yellow_on",
               "allotted_workdays", "version", "updated_at")
items = _table("approval_items", "id", "name")
rounds = _table("step_rounds", "step_id", "number", "filed_on", "allotted", "allotted_unit",
                "returned_on", "decided_on")
suspensions = _table("case_suspensions", "case_id", "started_on", "ended_on")
# audit_chain.FIELDS as this revision has them: the events hash as the app's writer does.
FIELDS = ("at", "actor_id", "center_id", "case_id", "enterprise_id", "object_type",
          "object_id", "action", "from_status", "to_status", "comment", "internal")
events = _table("audit_events", *FIELDS, "id", "prev_hash", "hash")


def _restore_deadlines(conn):
    """The running steps' (due date, allotted working days, yellow day) and the open cases'
    promised dates derived again from their rounds and suspensions under the holidays left,
    as deadlines.dates_of and promised_of derive them; each that differs stored and audited."""
    history = op.get_context().script.get_revision("g7c0de300007").module
    calendar = history.Calendar(conn)           # the working-day arithmetic, frozen there
    open_cases = conn.execute(sa.select(cases, centers.c.yellow_days).join(
        centers, centers.c.id == cases.c.center_id).where(cases.c.status.in_(OPEN_CASES))
        .order_by(cases.c.id)).all()
    for start in range(0, len(open_cases), CHUNK):
        batch = open_cases[start:start + CHUNK]
        periods, running = _history(conn, [case.id for case in batch])
        for case in batch:
            lines = [line for step, filings in running.get(case.id, ()) for line in
                     _restore_step(conn, calendar, history, case, step, filings, periods[case.id])]
            lines += _restore_promised(conn, calendar, history, case, periods[case.id])
            if lines:
                _audit(conn, case, "case", case.id, "deadlines_moved", "；".join(lines))


def _history(conn, case_ids):
    """({case id: [suspension period]}, {case id: [(running step, [its rounds])]})."""
    periods = {case_id: [] for case_id in case_ids}
    for row in conn.execute(sa.select(suspensions).where(suspensions.c.case_id.in_(case_ids))):
        periods[row.case_id].append(row._asdict())
    query = sa.select(steps, items.c.name).join(items, items.c.id == steps.c.item_id).where(
        steps.c.case_id.in_(case_ids), steps.c.status == "submitted").order_by(steps.c.id)
    running = {row.id: (row, []) for row in conn.execute(query)}
    for row in conn.execute(sa.select(rounds).where(rounds.c.step_id.in_(list(running)))
                            .order_by(rounds.c.step_id, rounds.c.number)):
        running[row.step_id][1].append(row)
    by_case = {}
    for step, filings in running.values():
        by_case.setdefault(step.case_id, []).append((step, filings))
    return periods, by_case


def _restore_step(conn, calendar, history, case, step, filings, periods):
    """The step's dates again (deadlines.dates_of); its due date's move as the case's line."""
    if not filings or filings[-1].returned_on or filings[-1].decided_on:
        return []
    current, first = filings[-1], filings[0]
    due = calendar.add(calendar.limit_end(current.filed_on, current.allotted, current.allotted_unit),
                       history._paused(calendar, periods, current.filed_on))
    allotted = step.allotted_workdays
    if len(filings) == 1 or allotted is None:
        allotted = calendar.between(first.filed_on, calendar.limit_end(
            first.filed_on, first.allotted, first.allotted_unit))
    yellow = calendar.add(due, -max(case.yellow_days, (allotted or 0) // 5))
    if (due, allotted, yellow) == (step.due_on, step.allotted_workdays, step.yellow_on):
        return []
    _update(conn, steps, step, due_on=due, allotted_workdays=allotted, yellow_on=yellow)
    if due == step.due_on:
        return []
    _audit(conn, case, "step", step.id, "due_moved",
           f"到期日因节假日调整：{step.due_on} → {due}（估算的节假日已撤销）")
    return [f"「{step.name}」到期日 {step.due_on} → {due}"]


def _restore_promised(conn, calendar, history, case, periods):
    if case.started_on is None or case.promised_workdays is None:
        return []
    promised = calendar.add(calendar.add(case.started_on, case.promised_workdays),
                            history._paused(calendar, periods, case.started_on))
    if promised == case.promised_on:
        return []
    _update(conn, cases, case, promised_on=promised)
    return [f"承诺办结日 {case.promised_on} → {promised}"]


def _now():
    """The clock's instant (DESIGN §4: nothing else tells the time), in UTC as the chain
    hashes it."""
    from proxy_service.core import clock
    return clock.now().astimezone(timezone.utc)


def _update(conn, table, row, **values):
    conn.execute(table.update().where(table.c.id == row.id).values(
        version=row.version + 1, updated_at=_now(), **values))


def _audit(conn, case, object_type, object_id, action, comment):
    """An event by the system on the case's chain, hashed as audit_chain.canonical_values."""
    head = conn.execute(sa.select(events.c.hash).where(events.c.case_id == case.id)
                        .order_by(events.c.id.desc()).limit(1)).scalar()
    values = {"at": _now(), "actor_id": None, "center_id": case.center_id,
              "case_id": case.id, "enterprise_id": case.enterprise_id,
              "object_type": object_type, "object_id": object_id, "action": action,
              "from_status": "", "to_status": "", "comment": comment, "internal": False}
    canonical = {**values, "at": values["at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                 "prev_hash": head or ""}
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    conn.execute(events.insert().values(prev_hash=head, **values,
                                        hash=hashlib.sha256(text.encode()).hexdigest()))
