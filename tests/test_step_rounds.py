"""Filing rounds and suspension periods are stored, never overwritten, and every due date
can be derived from them again (DESIGN.md §4, issue 13 item 1)."""
from datetime import date

import pytest
from sqlalchemy import text

from proxy_service import workflow
from proxy_service.calendar import deadlines
from proxy_service.core.extensions import db
from proxy_service.models import LimitUnit, StepStatus

from .test_deadlines import act, on, step_named, submit


@pytest.fixture
def running(world, frozen_clock):
    on(frozen_clock, date(2026, 9, 28))
    return world.case()


def rounds_of(step):
    return [(r.number, r.filed_on, r.allotted, r.returned_on, r.correction_request,
             r.remaining_workdays, r.decided_on) for r in step.rounds]


def file_return_refile(step, world, frozen_clock):
    """File `step` on 10-08, have it returned on 10-12 (补充总平面图), refile it on 10-20."""
    on(frozen_clock, date(2026, 10, 8))
    submit(step, world)
    on(frozen_clock, date(2026, 10, 12))
    act(step, world, "return", correction_request="补充总平面图")
    on(frozen_clock, date(2026, 10, 20))
    act(step, world, "submit")


def test_each_filing_is_a_round_of_its_own(running, world, frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    file_return_refile(planning, world, frozen_clock)
    on(frozen_clock, date(2026, 10, 21))
    act(planning, world, "approve", permit_no="建字第140700202600123号")
    assert rounds_of(planning) == [
        (1, date(2026, 10, 8), 5, date(2026, 10, 12), "补充总平面图", 2, None),
        (2, date(2026, 10, 20), 2, None, "", None, date(2026, 10, 21)),
    ]
    assert planning.status is StepStatus.APPROVED


def test_a_return_is_dated_as_recorded_and_keeps_the_clock_from_that_day(
        running, world, frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 10, 8))
    submit(planning, world)                              # due 10-14
    on(frozen_clock, date(2026, 10, 13))
    act(planning, world, "return", correction_request="补充总平面图", returned_on=date(2026, 10, 9))
    assert planning.rounds[0].returned_on == date(2026, 10, 9)
    assert planning.remaining_workdays == 4   # 10-10 (a Saturday worked), 10-12, 10-13, 10-14


def test_a_refusal_is_dated_on_its_round(running, world, frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 10, 8))
    submit(planning, world)
    on(frozen_clock, date(2026, 10, 13))
    act(planning, world, "refuse", refusal_reason="不符合控制性详细规划",
        refusal_decision_no="晋中规不字〔2026〕3号", refused_on=date(2026, 10, 12))
    assert planning.rounds[-1].decided_on == date(2026, 10, 12)


def test_each_suspension_is_a_period_of_its_own(running, world, frozen_clock):
    manager = world.users["manager"]
    on(frozen_clock, date(2026, 10, 9))
    workflow.suspend_case(running, manager, "企业补充用地手续")
    on(frozen_clock, date(2026, 10, 20))
    workflow.resume_case(running, manager)
    on(frozen_clock, date(2026, 11, 2))
    workflow.suspend_case(running, manager, "等待环评批复")
    db.session.commit()
    assert [(s.started_on, s.ended_on, s.reason) for s in running.suspensions] == [
        (date(2026, 10, 9), date(2026, 10, 20), "企业补充用地手续"),
        (date(2026, 11, 2), None, "等待环评批复"),
    ]
    assert running.started_on == date(2026, 9, 28)


def test_stored_dates_are_what_the_history_gives(running, world, frozen_clock):
    manager = world.users["manager"]
    planning, filing = step_named(running, "建设工程规划许可证"), step_named(running, "项目备案")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)
    submit(filing, world)
    on(frozen_clock, date(2026, 10, 9))
    act(planning, world, "return", correction_request="补充总平面图")
    workflow.suspend_case(running, manager, "企业补充用地手续")
    on(frozen_clock, date(2026, 10, 20))
    workflow.resume_case(running, manager)
    on(frozen_clock, date(2026, 10, 22))
    act(planning, world, "submit")
    db.session.commit()
    for step in (planning, filing):
        assert deadlines.due_of(step) == (step.due_on, step.allotted_workdays), step.item.name
    assert deadlines.promised_of(running) == running.promised_on
    assert planning.rounds[0].filed_on == date(2026, 9, 30)   # the first filing is kept
    assert planning.submitted_on == date(2026, 10, 22)        # the step shows the current round


def test_a_calendar_day_item_keeps_its_unit_on_the_first_round(world, running, frozen_clock):
    item = step_named(running, "项目备案").item
    item.promised_limit, item.promised_unit = 7, LimitUnit.CALENDAR_DAY
    on(frozen_clock, date(2026, 9, 24))
    submit(step_named(running, "项目备案"), world)
    filing = step_named(running, "项目备案")
    assert (filing.rounds[0].allotted, filing.rounds[0].allotted_unit) == (7, LimitUnit.CALENDAR_DAY)
    assert filing.due_on == date(2026, 10, 8)    # 10-01 is a holiday: the next working day


def test_dates_with_no_stored_history_still_move_on_resume(running, world, frozen_clock):
    """A step filed and a case started before rounds were stored, with no submit or seal
    event for the backfill to rebuild them from: a suspension moves their dates by the
    working days it lasted, as it did then (review B10)."""
    manager, planning = world.users["manager"], step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)                          # due 10-13
    db.session.commit()
    with db.engine.begin() as conn:                  # what such a database holds
        conn.execute(text("DELETE FROM step_rounds"))
        conn.execute(text("UPDATE cases SET started_on = NULL, promised_workdays = NULL"))
    db.session.expire_all()
    on(frozen_clock, date(2026, 10, 9))
    workflow.suspend_case(running, manager, "企业补充用地手续")
    on(frozen_clock, date(2026, 10, 14))
    workflow.resume_case(running, manager)           # 4 working days: 10-10 (调休), 12, 13, 14
    db.session.commit()
    assert (planning.due_on, planning.yellow_on) == (date(2026, 10, 19), date(2026, 10, 15))
    assert running.promised_on == date(2026, 10, 26)
