"""Years without a published schedule: estimated holidays, the banner until a manager marks the
year complete, the cron command for later years, and the one function every change goes through."""
from datetime import date

import pytest
from sqlalchemy import select

from proxy_service.calendar import deadlines, statutory_holidays, workdays
from proxy_service.calendar import schedule as calendar_schedule
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, CalendarYear, DayKind, Holiday
from proxy_service.workflow import calendar as calendar_changes

from .factories import make_item

SCHEDULE_2027 = """2027-01-01,休,元旦
2027-02-05,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-20,班,春节调休
"""


@pytest.fixture
def manager(client, world, login_as, frozen_clock):
    frozen_clock(2027, 1, 4)
    return login_as(world.users["manager"])


def _estimates(year):
    return [(row.day, row.name) for row in calendar_schedule.days_of(year) if row.estimated]


def _banner(client):
    return client.get("/cases").get_data(as_text=True)


def test_the_migration_estimated_the_years_after_the_package():
    # Migrated today (before any test froze the clock): through the year after next.
    for year in range(2027, clock.today().year + calendar_schedule.YEARS_AHEAD + 1):
        row = db.session.get(CalendarYear, year)
        assert (row.source, row.complete) == ("estimated", False)
        assert _estimates(year) == [(guess.day, guess.name)
                                    for guess in statutory_holidays.rest_rows(year)]
    assert {row.complete for row in calendar_schedule.years() if row.year <= 2026} == {True}


def test_deadlines_count_the_estimated_holidays(world):
    item = make_item(world.centers[0], "排水许可", limit=5)
    # Filed Thursday 2027-02-04: 02-05 and 02-08 (春节) and 02-09, 02-10 (补假) are estimated
    # rest days, so the five working days are 02-11, 02-12, 02-15, 02-16, 02-17.
    assert deadlines.promised_due(item, date(2027, 2, 4)) == date(2027, 2, 17)


def test_the_banner_lists_the_holidays_not_entered(manager):
    page = _banner(manager)
    assert ("2027 年的节假日安排尚未完整录入，尚无：元旦、春节、清明节、劳动节、端午节、中秋节、国庆节；"
            "暂按放假办法估算（不含调休）。") in page
    manager.post("/admin/calendar/import?year=2027", data={"text": SCHEDULE_2027})
    # The import replaced the estimates too: the rest count Monday–Friday until estimated again.
    assert "尚无：清明节、劳动节、端午节、中秋节、国庆节；暂按周一至周五计算。" in _banner(manager)


def test_one_day_typed_is_not_a_year_entered(client, world, login_as, frozen_clock):
    frozen_clock(2099, 1, 5)
    login_as(world.users["manager"])
    client.post("/admin/calendar/days?year=2099", data={"day": "2099-05-01", "kind": "rest", "name": "劳动节"})
    page = _banner(client)
    assert "2099 年的节假日安排尚未完整录入，尚无：元旦、春节、清明节、端午节、中秋节、国庆节；暂按周一至周五计算。" in page
    assert "2100 年的节假日安排尚未完整录入" in page
    assert client.post("/admin/calendar/complete?year=2099").status_code == 302
    page = _banner(client)
    assert "2099 年的节假日安排" not in page and "2100 年的节假日安排尚未完整录入" in page
    assert db.session.get(CalendarYear, 2099).complete


def test_the_year_page_shows_the_estimates(manager):
    page = manager.get("/admin/calendar/year?year=2027").get_data(as_text=True)
    assert "按放假办法估算" in page and "未完整录入" in page
    assert page.count("</i> 估算</span>") == len(statutory_holidays.rest_rows(2027))
    assert "以下法定节假日尚无录入：元旦、春节" in page
    overview = manager.get("/admin/calendar").get_data(as_text=True)
    assert "（其中估算 13 天）" in overview and "已完整录入" in overview


def test_an_import_replaces_the_estimates(manager):
    manager.post("/admin/calendar/import?year=2027", data={"text": SCHEDULE_2027})
    assert _estimates(2027) == []
    assert calendar_schedule.missing_holidays(2027) == ["清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    # Estimating again fills in only what is missing, around the entered days.
    manager.post("/admin/calendar/estimate?year=2027")
    assert [day for day, _name in _estimates(2027)] == [
        date(2027, 4, 5), date(2027, 5, 3), date(2027, 5, 4), date(2027, 6, 9),
        date(2027, 9, 15), date(2027, 10, 1), date(2027, 10, 4), date(2027, 10, 5)]
    assert not workdays.is_workday(date(2027, 2, 11)) and workdays.is_workday(date(2027, 2, 20))
    assert db.session.get(CalendarYear, 2027).source == "manual"


def test_a_day_set_on_an_estimate_becomes_an_entry(manager):
    manager.post("/admin/calendar/days?year=2027", data={"day": "2027-02-09", "kind": "rest", "name": "春节"})
    held = db.session.scalar(select(Holiday).where(Holiday.day == date(2027, 2, 9)))
    assert (held.kind, held.name, held.estimated) == (DayKind.REST, "春节", False)
    assert "春节" not in calendar_schedule.missing_holidays(2027)


def test_marking_complete_keeps_the_estimates_as_entries(manager, world):
    manager.post("/admin/calendar/import?year=2027", data={"text": SCHEDULE_2027})
    manager.post("/admin/calendar/estimate?year=2027")
    assert manager.post("/admin/calendar/complete?year=2027").status_code == 302
    row = db.session.get(CalendarYear, 2027)
    assert (row.complete, row.source) == (True, "manual")
    assert _estimates(2027) == [] and calendar_schedule.missing_holidays(2027) == []
    assert not workdays.is_workday(date(2027, 10, 4))
    assert "2027 年的节假日安排" not in _banner(manager)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_id, event.actor_id) == (
        "calendar_complete", 2027, world.users["manager"].id)
    # A complete year is not estimated again: a warning, nothing changed.
    response = manager.post("/admin/calendar/estimate?year=2027", follow_redirects=True)
    assert "2027 年已标记为完整录入，不再估算。" in response.get_data(as_text=True)
    assert _estimates(2027) == []


def test_no_estimate_before_2008(manager):
    response = manager.post("/admin/calendar/estimate?year=2003", follow_redirects=True)
    assert "2003 年不在放假办法估算的范围内。" in response.get_data(as_text=True)
    assert db.session.get(CalendarYear, 2003) is None
    assert "按放假办法重新估算" not in manager.get("/admin/calendar/year?year=2003").get_data(as_text=True)


def test_the_cron_command_estimates_the_coming_years_once(app, frozen_clock):
    frozen_clock(2031, 1, 1)
    first = app.test_cli_runner().invoke(args=["calendar", "estimate"])
    assert first.exit_code == 0, first.output
    assert f"2031: {len(statutory_holidays.rest_rows(2031))} rest days estimated" in first.output
    assert {year for year in (2031, 2032, 2033) if _estimates(year)} == {2031, 2032, 2033}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "calendar_estimate")).all()
    assert sorted((event.object_id, event.actor_id) for event in events) == [
        (2031, None), (2032, None), (2033, None)]
    again = app.test_cli_runner().invoke(args=["calendar", "estimate"])
    assert "every year through the year after next has a schedule" in again.output
    assert len(db.session.scalars(select(AuditEvent)).all()) == 3


def test_the_cron_command_leaves_a_year_another_host_estimated(app, frozen_clock, monkeypatch):
    frozen_clock(2031, 1, 1)
    listed = calendar_schedule.estimate_years

    def raced():
        years = listed()
        with db.engine.begin() as other:   # another host's run, committed meanwhile
            other.execute(CalendarYear.__table__.insert().values(year=2031, source="estimated"))
        return years
    monkeypatch.setattr(calendar_schedule, "estimate_years", raced)
    result = app.test_cli_runner().invoke(args=["calendar", "estimate"])
    assert result.exit_code == 0, result.output
    assert "2031: estimated by another run" in result.output
    assert f"2032: {len(statutory_holidays.rest_rows(2032))} rest days estimated" in result.output
    assert _estimates(2031) == [] and _estimates(2033)


@pytest.mark.parametrize("change, expected", [
    (lambda actor: calendar_changes.set_day(actor, date(2027, 2, 9), DayKind.REST, "春节"), set()),
    (lambda actor: calendar_changes.set_day(actor, date(2027, 2, 20), DayKind.WORKDAY, "调休"),
     {date(2027, 2, 20)}),
    (lambda actor: calendar_changes.remove_day(actor, date(2027, 2, 9)), {date(2027, 2, 9)}),
    (lambda actor: calendar_changes.replace_year(actor, 2027, [(date(2027, 1, 1), DayKind.REST, "元旦")]),
     {guess.day for guess in statutory_holidays.rest_rows(2027)} - {date(2027, 1, 1)}),
    (lambda actor: calendar_changes.replace_estimates(actor, 2027), set()),
    (lambda actor: calendar_changes.mark_complete(actor, 2027), set()),
])
def test_every_change_reports_the_days_it_changed_through_one_function(world, monkeypatch,
                                                                       change, expected):
    seen = []
    monkeypatch.setattr(calendar_changes, "_days_changed", lambda actor, days: seen.append((actor, days)))
    manager = world.users["manager"]
    assert change(manager) == expected
    assert seen == [(manager, expected)]


def test_the_banner_costs_one_query_while_the_years_are_complete(app, frozen_clock, count_queries):
    frozen_clock(2025, 6, 2)
    with count_queries() as counter:
        assert calendar_schedule.unfinished_years() == []
    assert counter.count == 1
    frozen_clock(2027, 6, 2)
    with count_queries() as counter:
        assert [entry.year for entry in calendar_schedule.unfinished_years()] == [2027, 2028]
    assert counter.count == 2
