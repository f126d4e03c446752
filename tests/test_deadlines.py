"""Due dates counted the way Chinese administrations count (DESIGN.md §4)."""
from datetime import UTC, date, datetime

import pytest

from proxy_service import workflow
from proxy_service.calendar import deadlines, lights
from proxy_service.calendar.lights import Light
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import CaseTemplate, LimitUnit

from .factories import make_item


def on(frozen_clock, day, hour=10):
    frozen_clock(day.year, day.month, day.day, hour)


def act(step, world, action, **details):
    workflow.update_step(step, world.users["agent"], seen_version=step.version, action=action,
                         **details)
    db.session.commit()


def submit(step, world):
    if step.status.value == "pending":
        act(step, world, "start")
    act(step, world, "submit")


def step_named(case, name):
    return next(step for step in case.steps if step.item.name == name)


@pytest.fixture
def running(world, frozen_clock):
    """An in-progress case whose work started on 2026-09-28 (a Monday before National Day)."""
    on(frozen_clock, date(2026, 9, 28))
    return world.case()


def test_due_date_counts_working_days_across_national_day(running, world, frozen_clock):
    on(frozen_clock, date(2026, 9, 30))
    filing, planning = step_named(running, "项目备案"), step_named(running, "建设工程规划许可证")
    submit(filing, world)
    submit(planning, world)
    assert filing.due_on == date(2026, 10, 8)      # 1 working day: the week 10-01..07 is off
    # 10-08, 10-09, 10-10 (a Saturday worked), 10-12, 10-13
    assert planning.due_on == date(2026, 10, 13)
    assert planning.allotted_workdays == 5


@pytest.mark.parametrize("submitted, due", [
    (date(2026, 9, 24), date(2026, 10, 8)),    # 7 days → 10-01, a holiday → next working day
    (date(2026, 9, 14), date(2026, 9, 21)),    # 7 days → Monday 09-21, a working day
    (date(2026, 9, 13), date(2026, 9, 20)),    # 7 days → Sunday 09-20, a make-up day: kept
    (date(2026, 9, 19), date(2026, 9, 28)),    # 7 days → 09-26, an ordinary Saturday → Monday
])
def test_calendar_day_limit(world, frozen_clock, submitted, due):
    item = make_item(world.centers[0], "排水许可", limit=7)
    item.promised_unit = LimitUnit.CALENDAR_DAY
    assert deadlines.promised_due(item, submitted) == due


def test_promised_completion_from_the_longest_chain(running):
    # 项目备案 1; 建设工程规划许可证 5 → 施工许可证 7: the longest chain is 12 working days.
    assert deadlines.chain_workdays(running) == 12
    assert running.promised_on == date(2026, 10, 20)   # 12 working days after 2026-09-28


def test_promised_completion_from_the_template(running, world):
    running.template = CaseTemplate(center=world.centers[0], name="标准地项目", overall_limit=20)
    deadlines.start_case(running, date(2026, 9, 28))
    assert running.promised_on == date(2026, 10, 30)


def test_returned_time_does_not_count(running, world, frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 10, 8))
    submit(planning, world)
    assert planning.due_on == date(2026, 10, 14)
    on(frozen_clock, date(2026, 10, 12))
    act(planning, world, "return", correction_request="补充总平面图")
    assert planning.remaining_workdays == 2 and planning.due_on is None
    assert lights.step_light(planning) is Light.NONE
    assert lights.step_clock(planning).paused == "returned"
    on(frozen_clock, date(2026, 10, 20))
    # 报送日期 still shows (and the form posts back) the first filing; the refiling has a
    # date of its own, today unless typed.
    act(planning, world, "submit", submitted_on=date(2026, 10, 8), refiled_on=None)
    assert planning.submitted_on == date(2026, 10, 20)
    assert planning.due_on == date(2026, 10, 22) and planning.remaining_workdays is None
    clock_ = lights.step_clock(planning)
    assert (clock_.allotted, clock_.remaining, clock_.elapsed) == (5, 2, 3)


def test_suspension_moves_due_dates(running, world, frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 10, 8))
    submit(planning, world)
    promised = running.promised_on
    on(frozen_clock, date(2026, 10, 9))
    workflow.suspend_case(running, world.users["manager"], "企业补充用地手续")
    db.session.commit()
    assert running.suspended_on == date(2026, 10, 9)
    on(frozen_clock, date(2026, 10, 20))
    assert lights.step_clock(planning).remaining == 4      # frozen at the suspension day
    assert lights.step_light(planning) is Light.NONE
    workflow.resume_case(running, world.users["manager"])
    db.session.commit()
    # 10-10, 10-12 … 10-20: 8 working days spent suspended
    assert planning.due_on == date(2026, 10, 26)
    assert running.promised_on == deadlines.workdays.add_workdays(promised, 8)
    assert running.suspended_on is None


@pytest.mark.parametrize("today, light", [
    (date(2026, 10, 9), Light.GREEN),
    (date(2026, 10, 11), Light.GREEN),    # Sunday: 3 working days left
    (date(2026, 10, 12), Light.YELLOW),   # exactly 2 working days before due
    (date(2026, 10, 14), Light.YELLOW),   # due today: yellow, not red
    (date(2026, 10, 15), Light.RED),      # the day after
])
def test_light_boundaries(running, world, frozen_clock, today, light):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 10, 8))
    submit(planning, world)
    assert (planning.due_on, planning.yellow_on) == (date(2026, 10, 14), date(2026, 10, 12))
    on(frozen_clock, today)
    assert lights.step_light(planning) is light
    assert lights.case_light(running) is light


@pytest.mark.parametrize("today, light", [(date(2026, 11, 23), Light.GREEN),
                                          (date(2026, 11, 24), Light.YELLOW)])
def test_eighty_percent_rule(world, frozen_clock, today, light):
    long_item = make_item(world.centers[0], "环境影响评价", limit=20)
    world.items.append(long_item)
    on(frozen_clock, date(2026, 11, 2))
    case = world.case()
    step = step_named(case, "环境影响评价")
    submit(step, world)
    assert step.due_on == date(2026, 11, 30)
    # 80 % of 20 working days used = 4 left, earlier than the 2-day warning
    assert step.yellow_on == date(2026, 11, 24)
    on(frozen_clock, today)
    assert lights.step_light(step) is light


def test_case_red_once_past_its_promised_date(running, frozen_clock):
    on(frozen_clock, running.promised_on)
    assert lights.case_light(running) is Light.NONE    # nothing filed yet, still on time
    on(frozen_clock, deadlines.workdays.add_workdays(running.promised_on, 1))
    assert lights.case_light(running) is Light.RED


def test_beijing_date_at_one_in_the_morning(running, world):
    filing, planning = step_named(running, "项目备案"), step_named(running, "建设工程规划许可证")
    clock.freeze(datetime(2026, 9, 30, 2, tzinfo=UTC))
    submit(filing, world)
    assert filing.due_on == date(2026, 10, 8)
    # 01:00 Beijing on 2026-10-08 is 17:00 UTC on 10-07, a holiday: today is the Beijing date.
    clock.freeze(datetime(2026, 10, 7, 17, tzinfo=UTC))
    assert clock.today() == date(2026, 10, 8)
    assert lights.step_light(filing) is Light.YELLOW
    submit(planning, world)
    assert planning.submitted_on == date(2026, 10, 8)
    assert planning.due_on == date(2026, 10, 14)
    # 00:30 Beijing on 10-09 (still 10-08 in UTC): the filing is overdue.
    clock.freeze(datetime(2026, 10, 8, 16, 30, tzinfo=UTC))
    assert lights.step_light(filing) is Light.RED
