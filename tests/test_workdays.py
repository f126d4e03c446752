"""The working-day calendar: State Council rest days and make-up days from the Holiday table."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from proxy_service.calendar import schedule as calendar_schedule
from proxy_service.calendar import workdays
from proxy_service.core.extensions import db
from proxy_service.models import CalendarYear, DayKind, Holiday


@pytest.mark.parametrize("day, working", [
    (date(2026, 9, 20), True),     # Sunday, make-up day for National Day
    (date(2026, 10, 10), True),    # Saturday, make-up day
    *[(date(2026, 10, d), False) for d in range(1, 8)],   # 国庆节 + 中秋节 week
    (date(2026, 10, 8), True), (date(2026, 10, 9), True),
    (date(2026, 10, 11), False),   # an ordinary Sunday
    (date(2026, 9, 25), False),    # 中秋节, a Friday
])
def test_national_day_week_2026(day, working):
    assert workdays.is_workday(day) is working


def test_spring_festival_2026():
    # 2026-02-15..23 rest; Saturday 02-14 and Saturday 02-28 are make-up working days.
    assert workdays.is_workday(date(2026, 2, 14))
    assert workdays.is_workday(date(2026, 2, 28))
    assert not any(workdays.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert workdays.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert workdays.add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_add_workdays_across_national_day():
    # After Wednesday 2026-09-30 the next working days are 10-08, 10-09, 10-10 (Saturday).
    assert workdays.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert workdays.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert workdays.add_workdays(date(2026, 9, 30), 4) == date(2026, 10, 12)
    assert workdays.add_workdays(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert workdays.add_workdays(date(2026, 10, 8), 0) == date(2026, 10, 8)


def test_workdays_between_counts_after_start_up_to_end():
    assert workdays.workdays_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert workdays.workdays_between(date(2026, 9, 18), date(2026, 9, 21)) == 2   # Sun 20 + Mon 21
    assert workdays.workdays_between(date(2026, 10, 10), date(2026, 10, 10)) == 0
    assert workdays.workdays_between(date(2026, 10, 12), date(2026, 10, 8)) == 0


def test_year_without_schedule_falls_back_to_monday_to_friday():
    assert db.session.get(CalendarYear, 2099) is None
    assert workdays.is_workday(date(2099, 1, 1))            # a Thursday: no 元旦 known
    assert not workdays.is_workday(date(2099, 1, 3))        # Saturday
    assert workdays.add_workdays(date(2099, 1, 1), 5) == date(2099, 1, 8)
    assert 2099 not in [row.year for row in calendar_schedule.years()]


def test_package_years_are_in_the_table():
    sources = dict(db.session.execute(select(CalendarYear.year, CalendarYear.source)).all())
    assert set(range(2004, 2027)) <= set(sources)
    assert {sources[year] for year in range(2004, 2027)} == {"chinesecalendar"}
    rest = db.session.scalar(select(Holiday).where(Holiday.day == date(2026, 10, 1)))
    assert (rest.kind, rest.name) == (DayKind.REST, "国庆节")


def test_results_come_from_the_table_not_the_package():
    # Changing the table changes the answer, although the package says otherwise.
    db.session.add(Holiday(day=date(2026, 11, 27), kind=DayKind.REST, name="测试"))
    db.session.flush()
    workdays.forget()
    assert not workdays.is_workday(date(2026, 11, 27))


def test_long_spans_read_each_year_once(count_queries):
    workdays.forget()
    with count_queries() as counter:
        end = workdays.add_workdays(date(2010, 1, 4), 2500)
        assert workdays.workdays_between(date(2010, 1, 4), end) == 2500
    years = end.year - 2010 + 1
    assert counter.count <= years
    assert end > date(2010, 1, 4) + timedelta(days=3500)


@pytest.mark.parametrize("start, end", [
    (date(2025, 12, 20), date(2026, 1, 10)),    # across New Year
    (date(2024, 2, 28), date(2024, 3, 1)),      # a leap day
    (date(2023, 6, 1), date(2026, 10, 10)),     # several years, ending on a make-up day
    (date(2026, 10, 1), date(2026, 10, 7)),     # only rest days
    (date(2026, 12, 31), date(2027, 1, 1)),     # into a year with estimated holidays only
])
def test_workdays_between_agrees_with_counting_day_by_day(start, end):
    # The running totals behind workdays_between must give what a walk over the days gives.
    walked = sum(workdays.is_workday(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
    assert workdays.workdays_between(start, end) == walked
    assert workdays.workdays_between(end, start) == 0


def test_the_counter_for_many_dates_agrees_with_workdays_between():
    between = workdays.workdays_counter()
    days = [date(2025, 12, 28) + timedelta(days=n) for n in range(0, 60, 3)]
    for start in days:
        for end in days:
            assert between(start, end) == workdays.workdays_between(start, end)
