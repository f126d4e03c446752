"""The working-day calendar (节假日/调休) as managers keep it: years, days, a year's import.

The calendar is national, so every center's managers see and edit the same one; the year
(and day) travel in the query string: they name no object of a center.
"""
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from proxy_service import permissions
from proxy_service.admin import bp
from proxy_service.admin.calendar_forms import KIND_LABELS, DayForm, ImportForm, YearForm
from proxy_service.calendar import schedule
from proxy_service.calendar.statutory_holidays import FIRST_YEAR as FIRST_ESTIMATED_YEAR
from proxy_service.core.conflicts import attempt
from proxy_service.core.extensions import db
from proxy_service.models import CalendarYear, DayKind
from proxy_service.workflow import calendar as calendar_changes


@bp.get("/admin/calendar")
@permissions.manager_required
def calendar():
    form = YearForm(formdata=request.args if "year" in request.args else None)
    if "year" in request.args and form.validate():
        return redirect(url_for("admin.calendar_year", year=form.year.data))
    return render_template("admin/calendar.html", years=schedule.years(),
                           counts=schedule.year_counts(), unfinished=schedule.unfinished_years(),
                           form=form)


def _asked_year():
    """The year in the query string; 404 outside the years the pages open. Input, not a
    permission: the calendar is national, every manager may open every year."""
    year = request.args.get("year", type=int)
    if year is None or not schedule.FIRST_YEAR <= year <= schedule.LAST_YEAR:
        abort(404)
    return year


def _asked_day(year):
    """The day of `year` in the query string; 404 when it is none."""
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        abort(404)
    if day.year != year:
        abort(404)
    return day


def _render_year(year, status=200, day_form=None, import_form=None):
    row = db.session.get(CalendarYear, year)
    return render_template(
        "admin/calendar_year.html", year=year, row=row, days=schedule.days_of(year),
        missing=[] if row is not None and row.complete else schedule.missing_holidays(year),
        can_estimate=year >= FIRST_ESTIMATED_YEAR,
        kind_labels=KIND_LABELS, day_form=day_form or DayForm(year, formdata=None),
        import_form=import_form or ImportForm(year, formdata=None)), status


@bp.get("/admin/calendar/year")
@permissions.manager_required
def calendar_year():
    return _render_year(_asked_year())


@bp.post("/admin/calendar/days")
@permissions.manager_required
def calendar_add_day():
    year = _asked_year()
    form = DayForm(year)
    if not form.validate_on_submit():
        return _render_year(year, 422, day_form=form)
    day, kind, name = form.entry
    # The deadlines the day touches move with it: a step saved meanwhile is a conflict.
    if attempt(calendar_changes.set_day, current_user, day, kind, name) is None:
        flash(_("已将 %(day)s 设为%(kind)s。", day=day.isoformat(), kind=KIND_LABELS[kind]), "success")
    return redirect(url_for("admin.calendar_year", year=year))


@bp.post("/admin/calendar/days/delete")
@permissions.manager_required
def calendar_remove_day():
    year = _asked_year()
    day = _asked_day(year)
    if attempt(calendar_changes.remove_day, current_user, day) is None:
        flash(_("已删除 %(day)s 的安排，该日按周一至周五规则计算。", day=day.isoformat()), "success")
    return redirect(url_for("admin.calendar_year", year=year))


@bp.post("/admin/calendar/import")
@permissions.manager_required
def calendar_import():
    year = _asked_year()
    form = ImportForm(year)
    if not form.validate_on_submit():
        return _render_year(year, 422, import_form=form)
    if attempt(calendar_changes.replace_year, current_user, year, form.entries) is None:
        rest = sum(kind is DayKind.REST for _day, kind, _name in form.entries)
        flash(_("已导入 %(year)s 年安排：放假 %(rest)s 天，调休上班 %(work)s 天。", year=year,
                rest=rest, work=len(form.entries) - rest), "success")
    return redirect(url_for("admin.calendar_year", year=year))


@bp.post("/admin/calendar/estimate")
@permissions.manager_required
def calendar_estimate():
    return _year_action(calendar_changes.replace_estimates,
                        _l("已按放假办法估算 %(year)s 年尚未录入的法定节假日。"))


@bp.post("/admin/calendar/complete")
@permissions.manager_required
def calendar_complete():
    return _year_action(calendar_changes.mark_complete, _l("已将 %(year)s 年标记为完整录入。"))


def _year_action(verb, done):
    """Run a whole-year change (`verb(actor, year)`), say `done` unless it conflicted."""
    year = _asked_year()
    if attempt(verb, current_user, year) is None:
        flash(done % {"year": year}, "success")
    return redirect(url_for("admin.calendar_year", year=year))
