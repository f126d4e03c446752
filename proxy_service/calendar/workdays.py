"""Working-day arithmetic over the Holiday table (DESIGN.md §4).

A day is a working day when it is Monday–Friday and not a rest day (法定节假日), or when it
is a make-up working day (调休上班). The table holds only those exceptions; a year with no
CalendarYear row has none, so it falls back to Monday–Friday. A year the State Council has not
published holds estimated rest days (statutory_holidays.py) until a manager enters it.
Managers keep the table (schedule.py); every change goes through workflow/calendar.py.

Each year's exceptions are read once per request (or per app context outside a request),
with one query, so that a date loop costs no further SQL.
"""
from datetime import date, timedelta

from flask import g, has_request_context, request
from sqlalchemy import func, select

from proxy_service.core.extensions import db
from proxy_service.models import CalendarYear, DayKind, Holiday

_CACHE_KEY = "proxy_service.calendar.workdays"
ONE_DAY = timedelta(days=1)


def _cache():
    """{year: (rest days, make-up days)}, fresh for each request.

    Kept in the WSGI environ inside a request (tests share one app context across
    requests, and a query count must not depend on an earlier request), else on `g`.
    """
    if has_request_context():
        return request.environ.setdefault(_CACHE_KEY, {})
    if not hasattr(g, "workdays_cache"):
        g.workdays_cache = {}
    return g.workdays_cache


def calendar_version():
    """The working-day calendar's version: it grows with every change of any year's days
    (workflow/calendar.py, deadline_recompute.recompute_pending). One small statement."""
    return db.session.scalar(select(func.coalesce(func.sum(CalendarYear.version), 0)))


def forget():
    """Drop the cached exceptions, after the calendar changed (the request's and the app
    context's: a command or a test may hold one across requests)."""
    _cache().clear()
    g.pop("workdays_cache", None)


def _exceptions(year):
    cache = _cache()
    if year not in cache:
        rows = db.session.execute(select(Holiday.day, Holiday.kind).where(
            Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))).all()
        cache[year] = ({day for day, kind in rows if kind is DayKind.REST},
                       {day for day, kind in rows if kind is DayKind.WORKDAY})
    return cache[year]


def is_workday(day):
    rest, makeup = _exceptions(day.year)
    if day in makeup:
        return True
    return day.weekday() < 5 and day not in rest


def add_workdays(day, n):
    """The n-th working day after `day` (n < 0: before it; n == 0: `day` itself)."""
    step = ONE_DAY if n >= 0 else -ONE_DAY
    for _ in range(abs(n)):
        day += step
        while not is_workday(day):
            day += step
    return day


def next_workday(day):
    """`day` when it is a working day, else the first working day after it."""
    while not is_workday(day):
        day += ONE_DAY
    return day


def workdays_between(start, end):
    """Working days after `start` up to and including `end`; 0 when end <= start.

    Constant time per call (dashboards ask it for thousands of rows): running totals per year."""
    if end <= start:
        return 0
    count = _running_total(end.year)[_day_of_year(end)] - _running_total(start.year)[_day_of_year(start)]
    for year in range(start.year, end.year):
        count += _running_total(year)[-1]
    return count


def workdays_counter():
    """workdays_between for many pairs of dates at once (a dashboard's thousands of steps):
    each year's running totals are fetched from the request cache once, each date's
    position once. Use it within one request: the calendar must not change meanwhile."""
    totals, through = {}, {}

    def running(year):
        if year not in totals:
            totals[year] = _running_total(year)
        return totals[year]

    def position(day):
        if day not in through:
            through[day] = running(day.year)[_day_of_year(day)]
        return through[day]

    def between(start, end):
        if end <= start:
            return 0
        days = position(end) - position(start)
        if start.year != end.year:
            days += sum(running(year)[-1] for year in range(start.year, end.year))
        return days
    return between


def _day_of_year(day):
    return day.timetuple().tm_yday


def _running_total(year):
    """[0, working days of Jan 1, … through Jan 2, …, through Dec 31]; cached with the year."""
    cache = _cache()
    key = ("running_total", year)
    if key not in cache:
        # is_workday's rule over the year's exceptions, read once (not once per day).
        rest, makeup = _exceptions(year)
        totals, day = [0], date(year, 1, 1)
        while day.year == year:
            totals.append(totals[-1] + (day in makeup or (day.weekday() < 5 and day not in rest)))
            day += ONE_DAY
        cache[key] = totals
    return cache[key]
