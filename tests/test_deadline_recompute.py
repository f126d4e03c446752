"""A change to the working-day calendar moves the deadlines it touches, and only those
(DESIGN.md §4, issue 13 item 2). 2026: 10-01..07 off, Saturday 10-10 worked."""
import difflib
from datetime import date

import pytest
from sqlalchemy import insert, select, update

from proxy_service import workflow
from proxy_service.audit import chain as audit_chain
from proxy_service.calendar import schedule as calendar_schedule
from proxy_service.calendar import workdays
from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    CalendarYear,
    DayKind,
    Holiday,
    LimitUnit,
    Notification,
    Step,
)
from proxy_service.workflow import calendar as calendar_changes
from proxy_service.workflow import deadline_recompute
from proxy_service.workflow.deadline_recompute import recompute_pending

from .factories import make_case, make_item, make_project
from .test_deadlines import act, on, step_named, submit


@pytest.fixture
def running(world, frozen_clock):
    """An in-progress case whose work started on 2026-09-28: promised by 10-20 (12 working days)."""
    on(frozen_clock, date(2026, 9, 28))
    return world.case()


def rest(world, day):
    calendar_changes.set_day(world.users["manager"], day, DayKind.REST, "测试")
    db.session.commit()


def work(world, day):
    calendar_changes.set_day(world.users["manager"], day, DayKind.WORKDAY, "测试调休")
    db.session.commit()


def unset(world, day):
    calendar_changes.remove_day(world.users["manager"], day)
    db.session.commit()


def audit_comments(obj, action):
    return db.session.scalars(select(AuditEvent.comment).where(
        AuditEvent.object_type == type(obj).__name__.lower(), AuditEvent.object_id == obj.id,
        AuditEvent.action == action).order_by(AuditEvent.id)).all()


def dates_of(step):
    return step.due_on, step.allotted_workdays, step.yellow_on


@pytest.mark.parametrize("change, day, due", [
    (rest, date(2026, 10, 12), date(2026, 10, 14)),     # a Monday off: one more day
    (work, date(2026, 10, 11), date(2026, 10, 12)),     # a Sunday worked: one day earlier
    (unset, date(2026, 10, 7), date(2026, 10, 12)),     # a holiday taken back
    (unset, date(2026, 10, 10), date(2026, 10, 14)),    # a make-up Saturday taken back
])
def test_the_working_days_allotted_are_counted_again(running, world, frozen_clock, change, day, due):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)                     # 5 working days: 10-08, 09, 10, 12, 13
    assert planning.due_on == date(2026, 10, 13)
    change(world, day)
    assert planning.due_on == due
    assert planning.allotted_workdays == 5
    assert planning.yellow_on == workdays.add_workdays(due, -2)
    assert audit_comments(planning, "due_moved") == [f"到期日因节假日调整：2026-10-13 → {due}"]


def test_the_promised_date_follows_the_same_rule(running, world):
    assert running.promised_on == date(2026, 10, 20)
    rest(world, date(2026, 10, 12))
    assert running.promised_on == date(2026, 10, 21)
    assert audit_comments(running, "deadlines_moved") == ["承诺办结日 2026-10-20 → 2026-10-21"]
    rest(world, date(2026, 9, 24))             # before work started: nothing moves
    assert running.promised_on == date(2026, 10, 21)


def test_a_calendar_day_limit_moves_only_when_it_ends_on_a_rest_day(running, world, frozen_clock):
    filing = step_named(running, "项目备案")
    filing.item.promised_limit, filing.item.promised_unit = 7, LimitUnit.CALENDAR_DAY
    submit(filing, world)                       # 09-28 + 7 days = 10-05, off: 10-08
    assert dates_of(filing) == (date(2026, 10, 8), 3, date(2026, 9, 29))
    rest(world, date(2026, 9, 30))              # inside the limit: the limit's end stands
    assert filing.due_on == date(2026, 10, 8)
    assert filing.allotted_workdays == 2        # the working days in it follow the calendar
    assert audit_comments(filing, "due_moved") == []
    rest(world, date(2026, 10, 8))              # its end is off now: the next working day
    assert filing.due_on == date(2026, 10, 9)
    assert audit_comments(filing, "due_moved") == ["到期日因节假日调整：2026-10-08 → 2026-10-09"]


def test_a_day_before_the_last_filing_changes_nothing(running, world, frozen_clock):
    filing = step_named(running, "项目备案")
    filing.item.promised_limit, filing.item.promised_unit = 7, LimitUnit.CALENDAR_DAY
    submit(filing, world)                       # 10-08; 3 working days allotted
    on(frozen_clock, date(2026, 9, 30))
    act(filing, world, "return", correction_request="补充备案表")    # 1 working day left
    on(frozen_clock, date(2026, 10, 9))
    act(filing, world, "submit")                # due 10-10, the make-up Saturday
    before = dates_of(filing)
    assert before == (date(2026, 10, 10), 3, date(2026, 10, 8))
    rest(world, date(2026, 9, 29))              # inside the first round, before the refiling
    assert dates_of(filing) == before
    unset(world, date(2026, 10, 10))            # inside the running round
    assert filing.due_on == date(2026, 10, 12)
    assert filing.allotted_workdays == 3        # what the first round was given is history
    assert audit_comments(filing, "due_moved") == ["到期日因节假日调整：2026-10-10 → 2026-10-12"]


def test_a_returned_step_keeps_its_remaining_working_days(running, world, frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 10, 8))
    submit(planning, world)                     # due 10-14
    on(frozen_clock, date(2026, 10, 9))
    act(planning, world, "return", correction_request="补充总平面图")
    assert planning.remaining_workdays == 4     # 10-10, 12, 13, 14
    rest(world, date(2026, 10, 12))
    assert (planning.remaining_workdays, planning.due_on) == (4, None)
    assert audit_comments(planning, "due_moved") == []
    on(frozen_clock, date(2026, 10, 15))
    act(planning, world, "submit")              # 4 working days from 10-15 under the new calendar
    assert planning.due_on == date(2026, 10, 21)


def test_a_suspension_keeps_its_working_days_under_the_new_calendar(running, world, frozen_clock):
    planning, manager = step_named(running, "建设工程规划许可证"), world.users["manager"]
    on(frozen_clock, date(2026, 10, 8))
    submit(planning, world)                     # due 10-14
    on(frozen_clock, date(2026, 10, 9))
    workflow.suspend_case(running, manager, "企业补充用地手续")
    on(frozen_clock, date(2026, 10, 13))
    workflow.resume_case(running, manager)
    db.session.commit()
    assert planning.due_on == date(2026, 10, 19)    # 3 working days suspended
    rest(world, date(2026, 10, 12))                 # while the clock stood still
    assert planning.due_on == date(2026, 10, 19)
    assert audit_comments(planning, "due_moved") == []
    rest(world, date(2026, 10, 16))                 # while it ran
    assert planning.due_on == date(2026, 10, 20)


def suspend_between(case, world, frozen_clock, start, end):
    manager = world.users["manager"]
    on(frozen_clock, start)
    workflow.suspend_case(case, manager, "企业暂缓")
    on(frozen_clock, end)
    workflow.resume_case(case, manager)
    db.session.commit()


def test_a_day_in_a_suspension_after_the_due_date_moves_it(running, world, frozen_clock):
    """The suspended working days count wherever the suspension lies, overdue or not (review
    B3): a day changed inside it moves the date."""
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)                         # due 10-13
    suspend_between(running, world, frozen_clock, date(2026, 10, 20), date(2026, 10, 27))
    assert planning.due_on == date(2026, 10, 20)    # 5 working days suspended: 10-21..27
    rest(world, date(2026, 10, 22))                 # 4 of them now
    assert planning.due_on == date(2026, 10, 19)
    assert audit_comments(planning, "due_moved") == ["到期日因节假日调整：2026-10-20 → 2026-10-19"]


def test_a_day_in_a_suspension_after_the_promised_date_moves_it(running, world, frozen_clock):
    assert running.promised_on == date(2026, 10, 20)
    suspend_between(running, world, frozen_clock, date(2026, 10, 22), date(2026, 10, 29))
    assert running.promised_on == date(2026, 10, 27)   # 5 working days suspended: 10-23..29
    rest(world, date(2026, 10, 28))
    assert running.promised_on == date(2026, 10, 26)
    assert audit_comments(running, "deadlines_moved") == ["承诺办结日 2026-10-27 → 2026-10-26"]


def test_closed_steps_and_closed_cases_keep_their_history(running, world, frozen_clock):
    filing, planning = step_named(running, "项目备案"), step_named(running, "建设工程规划许可证")
    submit(filing, world)
    submit(planning, world)
    on(frozen_clock, date(2026, 9, 29))
    act(filing, world, "approve", permit_no="2026-140700-00-01-000123")
    rest(world, date(2026, 9, 29))
    assert filing.due_on == date(2026, 9, 29)       # approved: as it was
    assert planning.due_on == date(2026, 10, 12)    # running: moved from 10-10
    workflow.terminate_case(running, world.users["manager"], "企业撤回投资计划")
    db.session.commit()
    rest(world, date(2026, 10, 9))
    assert (planning.due_on, running.promised_on) == (date(2026, 10, 12), date(2026, 10, 21))
    assert audit_comments(filing, "due_moved") == []


def test_one_notification_per_case_to_its_agent_and_enterprise(running, world, frozen_clock):
    filing, planning = step_named(running, "项目备案"), step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(filing, world)                       # due 10-08
    submit(planning, world)                     # due 10-13
    rest(world, date(2026, 10, 8))
    notified = db.session.execute(select(Notification.user_id, Notification.text).where(
        Notification.kind == "deadlines_moved").order_by(Notification.user_id)).all()
    users = world.users
    assert [user_id for user_id, _ in notified] == sorted([users["owner"].id, users["agent"].id])
    text = notified[0].text
    assert text == (f"因节假日调整，案件 {running.number} 的办理期限已变更："
                    "「项目备案」到期日 2026-10-08 → 2026-10-09；"
                    "「建设工程规划许可证」到期日 2026-10-13 → 2026-10-14；"
                    "承诺办结日 2026-10-20 → 2026-10-21")
    rest(world, date(2026, 11, 30))             # touches no clock: nothing is said
    assert db.session.scalar(select(db.func.count(Notification.id)).where(
        Notification.kind == "deadlines_moved")) == 2
    assert audit_chain.verify_chains(db.session)[0] == []     # events written in a batch too


def test_another_centers_manager_is_not_named_on_this_centers_cases(running, world,
                                                                      frozen_clock):
    """The calendar is national: a manager of one center moves every center's deadlines,
    and on the other centers' cases the move is the system's (review B11)."""
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)
    other_manager = world.users["other_manager"]
    calendar_changes.set_day(other_manager, date(2026, 10, 12), DayKind.REST, "测试")
    db.session.commit()
    moved = db.session.execute(select(AuditEvent.action, AuditEvent.actor_id).where(
        AuditEvent.action.in_(("due_moved", "deadlines_moved")))).all()
    assert sorted(moved) == [("deadlines_moved", None), ("due_moved", None)]
    calendar = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar_add"))
    assert calendar.actor_id == other_manager.id        # who changed the calendar is kept
    rest(world, date(2026, 10, 13))                     # this center's manager: named
    assert db.session.scalar(select(AuditEvent.actor_id).where(
        AuditEvent.action == "due_moved").order_by(AuditEvent.id.desc()).limit(1)) \
        == world.users["manager"].id


def test_replacing_a_year_moves_what_the_changed_days_touch(client, login_as, running, world,
                                                           frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)                     # due 10-13
    # The published list again, renamed, but with 10-07 worked.
    lines = [f"{h.day},{h.kind.value},{h.name}（国务院办公厅通知）"
             for h in calendar_schedule.days_of(2026) if h.day != date(2026, 10, 7)]
    manager = login_as(world.users["manager"])
    response = manager.post("/admin/calendar/import?year=2026", data={"text": "\n".join(lines)})
    assert response.status_code == 302
    db.session.expire_all()
    assert planning.due_on == date(2026, 10, 12)
    assert audit_comments(running, "deadlines_moved") == [
        "「建设工程规划许可证」到期日 2026-10-13 → 2026-10-12；承诺办结日 2026-10-20 → 2026-10-19"]


def test_the_step_page_shows_the_moved_due_date_and_why(client, login_as, running, world,
                                                       frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)
    rest(world, date(2026, 10, 12))
    page = login_as(world.users["agent"]).get(f"/cases/{running.id}/steps/{planning.id}")
    html = page.get_data(as_text=True)
    assert "到期日 2026-10-14" in html
    assert "到期日因节假日调整：2026-10-13 → 2026-10-14" in html


def test_a_step_saved_meanwhile_makes_the_change_a_conflict_not_an_error(
        client, login_as, running, world, frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)
    manager = login_as(world.users["manager"])
    assert planning.version                     # as this session last saw it
    with db.engine.begin() as other:            # an agent's save lands first
        steps = Step.__table__
        other.execute(update(steps).where(steps.c.id == planning.id)
                      .values(version=steps.c.version + 1))
    response = manager.post("/admin/calendar/days?year=2026",
                            data={"day": "2026-10-12", "kind": "rest", "name": "测试"})
    assert response.status_code == 302
    assert "未保存" in manager.get(response.headers["Location"]).get_data(as_text=True)
    assert workdays.is_workday(date(2026, 10, 12))     # nothing of the change was kept


def _cases_with_filed_steps(world, frozen_clock, items, filed_on, cases=5):
    on(frozen_clock, date(2026, 9, 28))
    made = [make_case(make_project(world.enterprises[0], world.centers[0], f"{filed_on}项目{n}"),
                      world.users["owner"], items, accept_by=world.users["manager"],
                      agent=world.users["agent"]) for n in range(cases)]
    db.session.commit()
    on(frozen_clock, filed_on)
    for case in made:
        for step in case.steps:
            submit(step, world)
    return [step for case in made for step in case.steps]


def test_the_statements_do_not_grow_with_the_steps_moved(world, frozen_clock, count_queries):
    center = world.centers[0]
    one = [make_item(center, "排水许可")]
    ten = [make_item(center, f"市政接入{n}") for n in range(10)]
    few = _cases_with_filed_steps(world, frozen_clock, one, date(2026, 10, 8))       # 5 steps
    many = _cases_with_filed_steps(world, frozen_clock, ten, date(2026, 10, 19))    # 50 steps
    rest(world, date(2026, 12, 31))     # the year is the manager's from now on: no clock touched
    counts = []
    for steps, day in ((few, date(2026, 10, 12)), (many, date(2026, 10, 21))):
        with count_queries() as counter:
            rest(world, day)
        assert len(moved_events(steps)) == len(steps)
        counts.append(counter.statements)
    assert len(counts[0]) == len(counts[1]), "\n".join(difflib.unified_diff(*counts, lineterm=""))


def test_cases_are_recomputed_in_batches(world, frozen_clock, monkeypatch):
    monkeypatch.setattr(deadline_recompute, "BATCH", 2)
    steps = _cases_with_filed_steps(world, frozen_clock, [make_item(world.centers[0], "排水许可")],
                                    date(2026, 10, 8))
    rest(world, date(2026, 10, 12))
    assert {step.due_on for step in steps} == {date(2026, 10, 15)}
    assert len(moved_events(steps)) == 5
    assert db.session.scalar(select(db.func.count(Notification.id)).where(
        Notification.kind == "deadlines_moved")) == 10       # agent and enterprise, 5 cases


def moved_events(steps):
    return db.session.scalars(select(AuditEvent.id).where(
        AuditEvent.action == "due_moved",
        AuditEvent.object_id.in_([step.id for step in steps]))).all()


def test_a_migrations_calendar_change_is_recomputed_on_its_connection_and_transaction(
        running, world, frozen_clock):
    planning = step_named(running, "建设工程规划许可证")
    on(frozen_clock, date(2026, 9, 30))
    submit(planning, world)                     # due 10-13
    step_id, session_before = planning.id, db.session()
    db.session.close()
    years = CalendarYear.__table__
    with db.engine.connect() as connection:
        with connection.begin():                # what Alembic holds around a migration
            connection.execute(insert(Holiday.__table__).values(
                day=date(2026, 10, 12), kind="rest", name="估算"))
            connection.execute(update(years).where(years.c.year == 2026)
                               .values(deadlines_pending=True))
            assert recompute_pending(connection) == 1
            assert recompute_pending(connection) == 0      # the mark is cleared
        with pytest.raises(RuntimeError):      # outside one, its work would be rolled back
            recompute_pending(connection)
    assert db.session() is session_before       # the app's session is back
    planning = db.session.get(Step, step_id)
    assert planning.due_on == date(2026, 10, 14)
    assert audit_comments(planning, "due_moved") == ["到期日因节假日调整：2026-10-13 → 2026-10-14"]
    moved = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deadlines_moved"))
    assert moved.actor_id is None
    assert db.session.scalar(select(db.func.count(Notification.id)).where(
        Notification.kind == "deadlines_moved")) == 2
    assert audit_chain.verify_chains(db.session)[0] == []
