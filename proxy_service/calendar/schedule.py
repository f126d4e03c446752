"""The working-day calendar as managers keep it (DESIGN.md §4): the years and their source
(the package, a manager, or estimates from 《全国年节及纪念日放假办法》), which statutory holidays
a year still lacks, and every change to the Holiday table — a day, a year's import, estimates,
"complete" — through one function, `_change`, which moves the open deadlines the changed days
touch in the same transaction (deadline_recompute.py). workdays.py does the arithmetic.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, extract, func, select

from proxy_service.calendar import statutory_holidays, workdays
from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, CalendarYear, DayKind, Holiday
from proxy_service.workflow import deadline_recompute

ESTIMATED, MANUAL = "estimated", "manual"     # calendar_years.source, beside the package's
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
    return db.session.scalars(select(Holiday).where(_in(year)).order_by(Holiday.day)).all()


def set_day(actor, day, kind, name):
    """Make `day` a rest day or a make-up working day (replacing what it was, estimate or not)."""
    row = Holiday(day=day, kind=kind, name=name or "")
    return _change(actor, day.year, Holiday.day == day, [row], "calendar_add",
                   f"{day:%Y-%m-%d} {kind.value} {name or ''}".strip())


def remove_day(actor, day):
    """Let `day` follow the Monday–Friday rule again."""
    return _change(actor, day.year, Holiday.day == day, [], "calendar_remove", f"{day:%Y-%m-%d}")


def replace_year(actor, year, entries):
    """Replace a year's schedule, estimates included, by `entries` [(day, DayKind, name)]."""
    rows = [Holiday(day=day, kind=kind, name=name or "") for day, kind, name in entries]
    return _change(actor, year, _in(year), rows, "calendar_import", f"{len(entries)}")


def replace_estimates(actor, year):
    """Estimate afresh the statutory holidays of `year` that have no entry yet, replacing the
    year's earlier estimates and leaving every entered day as it is. `actor` None: the cron
    command. Raises TransitionError for a year marked complete, or before the lunar festivals
    became holidays (statutory_holidays.FIRST_YEAR)."""
    row = db.session.get(CalendarYear, year)
    if row is not None and row.complete:
        raise TransitionError(_l("%(year)s 年已标记为完整录入，不再估算。", year=year))
    if not statutory_holidays.statutory_holidays(year):
        raise TransitionError(_l("%(year)s 年不在放假办法估算的范围内。", year=year))
    missing = set(missing_holidays(year))
    entered = set(db.session.scalars(select(Holiday.day).where(_in(year), ~Holiday.estimated)))
    rows = [Holiday(day=guess.day, kind=DayKind.REST, name=guess.name, estimated=True)
            for guess in statutory_holidays.rest_rows(year)
            if guess.day not in entered and missing.intersection(guess.holidays)]
    source = ESTIMATED if row is None or row.source == ESTIMATED else row.source
    return _change(actor, year, and_(_in(year), Holiday.estimated), rows, "calendar_estimate",
                   f"{len(rows)}", source=source)


def estimate_new_year(year):
    """Estimate a year that has no schedule (the cron command). Its CalendarYear row is
    inserted first: a primary key, so a run on another host estimating the same year at the
    same time fails here with IntegrityError, before anything else is written."""
    db.session.add(CalendarYear(year=year, source=ESTIMATED, updated_at=clock.now()))
    db.session.flush()
    return replace_estimates(None, year)


def mark_complete(actor, year):
    """The year's schedule is the published one: its remaining estimates become entries."""
    kept = db.session.scalars(select(Holiday).where(_in(year), Holiday.estimated)).all()
    rows = [Holiday(day=held.day, kind=held.kind, name=held.name) for held in kept]
    return _change(actor, year, and_(_in(year), Holiday.estimated), rows, "calendar_complete",
                   f"{len(rows)}", complete=True)


def _in(year):
    return Holiday.day.between(date(year, 1, 1), date(year, 12, 31))


def _change(actor, year, drop, rows, action, comment, source=MANUAL, complete=None):
    """The one way the calendar changes: delete the Holiday rows `drop` selects, add `rows`
    (on days `drop` freed or no row had), record the year's source (and completeness when
    given) and the audit event; flush. Returns the days whose working-day status changed."""
    before = dict(db.session.execute(select(Holiday.day, Holiday.kind).where(drop)).all())
    db.session.execute(delete(Holiday).where(drop))
    db.session.add_all(rows)
    after = {row.day: row.kind for row in rows}
    changed = {day for day in before.keys() | after.keys() if before.get(day) != after.get(day)}
    year_row = db.session.get(CalendarYear, year) or CalendarYear(year=year)
    year_row.source, year_row.updated_at = source, clock.now()
    if complete is not None:
        year_row.complete = complete
    db.session.add(year_row)
    db.session.add(AuditEvent(actor_id=getattr(actor, "id", None),
                              center_id=getattr(actor, "center_id", None),
                              object_type="calendar_year", object_id=year, action=action,
                              comment=comment, at=clock.now()))
    db.session.flush()
    _days_changed(actor, changed)
    return changed


def _days_changed(actor, days):
    """Every calendar change ends here, with its actor (None: a command) and the days whose
    working-day status it changed (maybe none): the open deadlines those days touch move in
    the same transaction (deadline_recompute)."""
    workdays.forget()
    deadline_recompute.calendar_changed(actor, days)
