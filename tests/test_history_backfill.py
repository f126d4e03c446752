"""The migration g7c0de300007 backfills filing rounds, suspension periods and the day work
started from the audit log and the stored columns (issue 13 item 1): on the demo data it
rebuilds what the workflow stored, and it moves no deadline."""
import importlib.util
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from proxy_service import workflow
from proxy_service.calendar import deadlines, workdays
from proxy_service.core.extensions import db
from proxy_service.models import Case, DayKind, Holiday, Step, StepStatus

from .test_deadlines import act, on, step_named, submit

MIGRATION = (Path(__file__).parents[1] / "migrations" / "versions"
             / "g7c0de300007_step_rounds_and_suspensions.py")


def backfill():
    spec = importlib.util.spec_from_file_location("g7c0de300007", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.engine.begin() as conn:
        migration.backfill(conn)
    db.session.expire_all()


def history():
    """Rounds, suspension periods and start days as stored."""
    def rows(sql):
        return [tuple(row) for row in db.session.execute(text(sql))]
    return {
        "rounds": rows("SELECT step_id, number, filed_on, allotted, allotted_unit, returned_on, "
                       "correction_request, remaining_workdays, decided_on FROM step_rounds "
                       "ORDER BY step_id, number"),
        "suspensions": rows("SELECT case_id, started_on, ended_on, reason FROM case_suspensions "
                            "ORDER BY case_id, id"),
        "starts": rows("SELECT id, started_on, promised_workdays FROM cases ORDER BY id"),
    }


def forget_history():
    """What the database held before the migration: no rounds, periods or start days."""
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM step_rounds"))
        conn.execute(text("DELETE FROM case_suspensions"))
        conn.execute(text("UPDATE cases SET started_on = NULL, promised_workdays = NULL"))
    db.session.expire_all()


def assert_no_deadline_moved():
    steps = db.session.scalars(select(Step).where(Step.status == StepStatus.SUBMITTED)).all()
    assert steps
    for step in steps:
        assert deadlines.due_of(step) == (step.due_on, step.allotted_workdays), step.id
    cases = db.session.scalars(select(Case).where(Case.started_on.is_not(None))).all()
    assert cases
    for case in cases:
        assert deadlines.promised_of(case) == case.promised_on, case.number


def earlier_returns_as_logged(rounds):
    """What an earlier return asked for was overwritten on the step: the backfill can only
    give the comment of its audit event (none in the demo)."""
    last_return = {}
    for row in rounds:
        if row[5] is not None:
            last_return[row[0]] = row[1]
    return [row[:6] + ("" if row[5] is not None and row[1] != last_return[row[0]] else row[6],)
            + row[7:] for row in rounds]


def test_backfill_rebuilds_the_demos_history(app, demo):
    stored = history()
    refiled = {row[0] for row in stored["rounds"] if row[1] > 1}
    assert refiled, "the demo has a step refiled after 补正"
    assert {row[2] is None for row in stored["suspensions"]} == {True, False}, \
        "the demo has a resumed and a running suspension"
    forget_history()
    assert history()["rounds"] == []
    backfill()
    rebuilt = history()
    assert rebuilt["rounds"] == earlier_returns_as_logged(stored["rounds"])
    assert rebuilt["suspensions"] == stored["suspensions"]
    assert rebuilt["starts"] == stored["starts"]
    assert_no_deadline_moved()
    backfill()                                     # a second run adds nothing
    assert history() == rebuilt


@pytest.fixture
def running(world, frozen_clock):
    on(frozen_clock, date(2026, 9, 28))
    return world.case()


def test_backfill_keeps_deadlines_the_calendar_or_the_catalogue_changed_since(
        running, world, frozen_clock):
    """Stored dates computed under an older calendar or item limit stay as they are."""
    planning, filing = step_named(running, "建设工程规划许可证"), step_named(running, "项目备案")
    on(frozen_clock, date(2026, 10, 8))
    submit(planning, world)
    submit(filing, world)
    on(frozen_clock, date(2026, 10, 9))
    act(planning, world, "return", correction_request="补充总平面图")
    workflow.suspend_case(running, world.users["manager"], "企业补充用地手续")
    on(frozen_clock, date(2026, 10, 13))
    workflow.resume_case(running, world.users["manager"])
    on(frozen_clock, date(2026, 10, 15))
    act(planning, world, "submit")
    due = {step.id: step.due_on for step in (planning, filing)}
    promised = running.promised_on
    # Since then: a new rest day inside every window, and longer promised limits.
    db.session.add(Holiday(day=date(2026, 10, 16), kind=DayKind.REST, name="临时调整"))
    for step in (planning, filing):
        step.item.promised_limit += 3
    forget_history()
    workdays.forget()
    backfill()
    assert {step.id: step.due_on for step in (planning, filing)} == due
    assert running.promised_on == promised
    assert_no_deadline_moved()
    assert [(r.filed_on, r.returned_on) for r in planning.rounds] == [
        (date(2026, 10, 8), date(2026, 10, 9)), (date(2026, 10, 15), None)]
    assert [(s.started_on, s.ended_on) for s in running.suspensions] == [
        (date(2026, 10, 9), date(2026, 10, 13))]
    assert running.started_on == date(2026, 9, 28)
