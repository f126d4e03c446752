"""How a calendar change finds the deadlines it touches (deadline_recompute, review 2 B6):
the running steps due on or after the first changed day and the open cases promised by then,
each by a range on its (status, date) index, and those of the cases paused since, by the end
of their suspension; never every running step of every center."""
import re
from datetime import date

from sqlalchemy import event

from proxy_service.calendar import schedule as calendar_schedule
from proxy_service.core.extensions import db
from proxy_service.models import DayKind
from proxy_service.workflow import calendar as calendar_changes

from .test_deadline_recompute import audit_comments, rest, running, suspend_between  # noqa: F401 (a fixture)
from .test_deadlines import on, step_named, submit


def test_a_change_with_a_day_before_the_filing_and_one_in_a_later_suspension_moves_the_step(
        running, world, frozen_clock):  # noqa: F811
    """The step is found by both halves of the search (due after the first day, paused after
    it); the day in the suspension must still count."""
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)                         # due 10-13
    suspend_between(running, world, frozen_clock, date(2026, 10, 20), date(2026, 10, 27))
    assert planning.due_on == date(2026, 10, 20)    # 5 working days suspended: 10-21..27
    entries = [(held.day, held.kind, held.name) for held in calendar_schedule.days_of(2026)]
    entries += [(date(2026, 9, 29), DayKind.REST, "测试"), (date(2026, 10, 22), DayKind.REST, "测试")]
    calendar_changes.replace_year(world.users["manager"], 2026, entries)
    db.session.commit()
    assert planning.due_on == date(2026, 10, 19)
    assert audit_comments(planning, "due_moved") == ["到期日因节假日调整：2026-10-20 → 2026-10-19"]


def _finding_statements(world, frozen_clock, running):  # noqa: F811
    """The statements a calendar change finds its steps and cases with, and their parameters."""
    on(frozen_clock, date(2026, 9, 30))
    submit(step_named(running, "建设工程规划许可证"), world)
    suspend_between(running, world, frozen_clock, date(2026, 10, 20), date(2026, 10, 27))
    found = []

    def keep(conn, cursor, statement, parameters, *args):
        # the two searches; the loads that follow read suspensions by case id
        if statement.startswith("SELECT") and re.search(r"case_suspensions.*>=", statement, re.S):
            found.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        rest(world, date(2026, 10, 22))
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return found


def _plan(statement, parameters):
    """The database's plan of a statement, one line per step."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [row[-1] for row in rows]
    # A test database's tables are a few rows long, so PostgreSQL would read them whole; the
    # question here is whether it can read the ranges, as it does on a real one.
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)]


def test_the_steps_and_cases_a_change_touches_are_found_by_index_ranges(
        running, world, frozen_clock):  # noqa: F811
    statements = _finding_statements(world, frozen_clock, running)
    assert len(statements) == 2                     # the steps, the cases
    plans = ["\n".join(_plan(*found)) for found in statements]
    if db.session.connection().dialect.name == "sqlite":
        steps, cases = plans
        assert "ix_steps_status_due (status=? AND due_on>?)" in steps
        assert "ix_cases_status_promised (status=? AND promised_on>?)" in cases
        for plan in plans:
            assert "ix_case_suspensions_ended_on (ended_on>?)" in plan
            # Nothing read by status alone (every running step or open case), nothing scanned.
            assert not re.search(r"\(status=\?\)|\bSCAN\b", plan), plan
    else:
        conditions = [line for plan in plans for line in plan.splitlines() if "Index Cond" in line]
        for wanted in ("due_on >=", "promised_on >=", "ended_on >="):
            assert any(wanted in line for line in conditions), (wanted, plans)
