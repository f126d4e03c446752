"""Changes to the working-day calendar (节假日/调休, DESIGN.md §4): a day set or removed, a
year's schedule imported, a year's statutory holidays estimated, a year marked complete.

Every change goes through `_change`: it replaces the Holiday rows, records the year's source,
audits the change on the year, and moves the open deadlines the changed days touch
(deadline_recompute.calendar_changed), all in the caller's transaction. calendar/schedule.py
says what a year holds and what an estimate would store; this module writes.

Like every verb, these take the actor (None: the cron command), flush, and leave the commit
to the caller. They raise StaleDataError when a step or case whose dates move was saved
meanwhile, TransitionError when the year does not allow the change.
"""
from sqlalchemy import and_, delete, select

from proxy_service.calendar import schedule, workdays
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, CalendarYear, Holiday
from proxy_service.workflow import deadline_recompute


def set_day(actor, day, kind, name):
    """Make `day` a rest day or a make-up working day (replacing what it was, estimate or not).
    Returns the days whose working-day status changed, as every change here does."""
    row = Holiday(day=day, kind=kind, name=name or "")
    return _change(actor, day.year, Holiday.day == day, [row], "calendar_add",
                   f"{day:%Y-%m-%d} {kind.value} {name or ''}".strip())


def remove_day(actor, day):
    """Let `day` follow the Monday–Friday rule again."""
    return _change(actor, day.year, Holiday.day == day, [], "calendar_remove", f"{day:%Y-%m-%d}")


def replace_year(actor, year, entries):
    """Replace a year's schedule, estimates included, by `entries` [(day, DayKind, name)]."""
    rows = [Holiday(day=day, kind=kind, name=name or "") for day, kind, name in entries]
    return _change(actor, year, schedule.in_year(year), rows, "calendar_import", f"{len(entries)}")


def replace_estimates(actor, year):
    """Estimate afresh the statutory holidays of `year` that have no entry yet, replacing the
    year's earlier estimates and leaving every entered day as it is (schedule.estimates, which
    raises TransitionError for a year that takes none)."""
    rows = schedule.estimates(year)
    return _change(actor, year, and_(schedule.in_year(year), Holiday.estimated), rows,
                   "calendar_estimate", f"{len(rows)}", source=schedule.estimated_source(year))


def estimate_new_year(year):
    """Estimate a year that has no schedule (the cron command). Its CalendarYear row is
    inserted first: a primary key, so a run on another host estimating the same year at the
    same time fails here with IntegrityError, before anything else is written."""
    db.session.add(CalendarYear(year=year, source=schedule.ESTIMATED, updated_at=clock.now()))
    db.session.flush()
    return replace_estimates(None, year)


def mark_complete(actor, year):
    """The year's schedule is the published one: its remaining estimates become entries."""
    rows = schedule.confirmed(year)
    return _change(actor, year, and_(schedule.in_year(year), Holiday.estimated), rows,
                   "calendar_complete", f"{len(rows)}", complete=True)


def _change(actor, year, drop, rows, action, comment, source=schedule.MANUAL, complete=None):
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
    if year_row.version is not None:   # a stored year: advanced in SQL (a new one starts at 1)
        year_row.version = CalendarYear.version + 1
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
