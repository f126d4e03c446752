"""The working-day calendar as managers keep it (DESIGN.md §4): the years and their source
(the package, a manager, or estimates from 《全国年节及纪念日放假办法》), which statutory holidays
a year still lacks, and the rows an estimate or "complete" would store. Nothing here writes:
every change to the Holiday table goes through workflow/calendar.py, which moves the open
deadlines the changed days touch in the same transaction. workdays.py does the arithmetic.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, func, select

from proxy_service.calendar import statutory_holidays
from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.models import CalendarYear, DayKind, Holiday

ESTIMATED, MANUAL = "estimated", "manual"     # calendar_years.source, beside the package's
FIRST_YEAR, LAST_YEAR = 2000, 2100      # the years the calendar pages open
# A statutory holiday counts as entered when a rest day that is not an estimate lies within a
# week of its days: the published block (调休 included) never strays further.
ENTRY_WINDOW = timedelta(days=7)
YEARS_AHEAD = 2     # estimates are kept through the year after next (see estimate_years)


@dataclass(frozen=True)
class UnfinishedYear:
    year: int
    missing: list       # names of the statutory holidays with no entry yet
    estimated: bool     # some of its rest days are estimates


def years():
    """Every year the table has a schedule for, with its source, newest first."""
    return db.session.scalars(select(CalendarYear).order_by(CalendarYear.year.desc())).all()


def unfinished_years():
    """This year and next, unless marked complete, each with its holidays not entered yet:
    one query when both are complete (the banner of every manager's page), two otherwise."""
    wanted = (clock.today().year, clock.today().year + 1)
    complete = set(db.session.scalars(select(CalendarYear.year).where(
        CalendarYear.year.in_(wanted), CalendarYear.complete)))
    years_open = [year for year in wanted if year not in complete]
    if not years_open:
        return []
    rest = _rest_days(years_open[0], years_open[-1])
    return [UnfinishedYear(year, missing_holidays(year, rest),
                           any(day.year == year for day, estimated in rest if estimated))
            for year in years_open]


def missing_holidays(year, rest=None):
    """Names of `year`'s statutory holidays that no entered rest day (of the package or a
    manager; estimates are not entries) lies within ENTRY_WINDOW of."""
    entered = [day for day, estimated in (_rest_days(year, year) if rest is None else rest)
               if not estimated]
    return [holiday.name for holiday in statutory_holidays.statutory_holidays(year)
            if not any(holiday.days[0] - ENTRY_WINDOW <= day <= holiday.days[-1] + ENTRY_WINDOW
                       for day in entered)]


def _rest_days(first, last):
    """(day, estimated) of the rest days from `first` to `last` (years) and a window around."""
    return db.session.execute(select(Holiday.day, Holiday.estimated).where(
        Holiday.kind == DayKind.REST, Holiday.day.between(
            date(first, 1, 1) - ENTRY_WINDOW, date(last, 12, 31) + ENTRY_WINDOW))).all()


def estimate_years():
    """The years from this one through YEARS_AHEAD later that have no schedule at all: the
    ones `flask calendar estimate` fills (a year a manager has begun is left to them)."""
    wanted = range(clock.today().year, clock.today().year + YEARS_AHEAD + 1)
    present = set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.year.in_(wanted))))
    return [year for year in wanted if year not in present]


def year_counts():
    """{(year, "rest" | "workday" | "estimated"): number of days} over the whole table."""
    year_of = extract("year", Holiday.day)
    counts = {}
    for year, kind, estimated, count in db.session.execute(
            select(year_of, Holiday.kind, Holiday.estimated, func.count(Holiday.id))
            .group_by(year_of, Holiday.kind, Holiday.estimated)):
        for key in [DayKind(kind).value] + (["estimated"] if estimated else []):
            counts[int(year), key] = counts.get((int(year), key), 0) + count
    return counts


def days_of(year):
    return db.session.scalars(select(Holiday).where(in_year(year)).order_by(Holiday.day)).all()


def estimates(year):
    """The estimated rest days (Holiday rows, not stored) that `year` gets afresh: those of its
    statutory holidays with no entry yet, on days with no entered row. Raises TransitionError
    for a year marked complete, or before the lunar festivals became holidays
    (statutory_holidays.FIRST_YEAR)."""
    row = db.session.get(CalendarYear, year)
    if row is not None and row.complete:
        raise TransitionError(_l("%(year)s 年已标记为完整录入，不再估算。", year=year))
    if not statutory_holidays.statutory_holidays(year):
        raise TransitionError(_l("%(year)s 年不在放假办法估算的范围内。", year=year))
    missing = set(missing_holidays(year))
    entered = set(db.session.scalars(select(Holiday.day).where(in_year(year), ~Holiday.estimated)))
    return [Holiday(day=guess.day, kind=DayKind.REST, name=guess.name, estimated=True)
            for guess in statutory_holidays.rest_rows(year)
            if guess.day not in entered and missing.intersection(guess.holidays)]


def estimated_source(year):
    """The source a year has once estimated: "estimated", unless it had one already."""
    row = db.session.get(CalendarYear, year)
    return ESTIMATED if row is None or row.source == ESTIMATED else row.source


def confirmed(year):
    """The year's estimates as entries (Holiday rows, not stored): what "complete" keeps."""
    kept = db.session.scalars(select(Holiday).where(in_year(year), Holiday.estimated)).all()
    return [Holiday(day=held.day, kind=held.kind, name=held.name) for held in kept]


def in_year(year):
    """SQL: the Holiday rows of `year`."""
    return Holiday.day.between(date(year, 1, 1), date(year, 12, 31))
