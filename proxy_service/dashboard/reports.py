"""The monthly report: its page, its PDF (issued once the month has ended and served as
stored from then on), the stored versions, and issuing a month's report again with a reason."""
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import clock, permissions, report_archive
from ..documents import monthly_report
from ..extensions import db
from . import bp, monthly
from .forms import ReissueForm


def _month():
    """The first day of the month asked for by ?month=YYYY-MM (2000–2099); this month for
    anything else."""
    try:
        year, month = (int(part) for part in request.args.get("month", "").split("-"))
        if 2000 <= year <= 2099:
            return date(year, month, 1)
    except ValueError:
        pass
    return clock.today().replace(day=1)


def _page(month, form, status=200):
    data = monthly.report_data(current_user.center, month)
    closed = report_archive.is_closed(month)
    versions = report_archive.versions(current_user.center_id, month) if closed else []
    if form.seen.data is None:
        form.seen.data = str(versions[0].version if versions else 0)
    return render_template("dashboard/report.html", rows=monthly_report.overdue_rows(data["overdue"]),
                           as_of=monthly_report.as_of_line(data),
                           rectifications=monthly_report.rectifications(data["headline"]),
                           closed=closed, versions=versions, form=form, **data), status


@bp.get("/manage/report")
@permissions.manager_required
def report():
    return _page(_month(), ReissueForm(formdata=None))


def _pdf(body, filename):
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _stored(report):
    return _pdf(report.data, report.filename)


def _issue(month, reason=""):
    """Render the month's report as the next version and store it; committed."""
    data = monthly.report_data(current_user.center, month)
    report = report_archive.issue(
        current_user.center_id, month, current_user, reason,
        render=lambda version, issued_at: monthly_report.render(data, (version, issued_at, reason)))
    db.session.commit()
    return report


@bp.get("/manage/report.pdf")
@permissions.manager_required
def report_pdf():
    """The running month's report as it stands; a closed month's as first issued (issued now
    if nobody asked for it yet), or its latest version."""
    month = _month()
    if not report_archive.is_closed(month):
        data = monthly.report_data(current_user.center, month)
        return _pdf(monthly_report.render(data), f"monthly-report-{month:%Y-%m}.pdf")
    report = report_archive.latest(current_user.center_id, month)
    if report is None:
        try:
            report = _issue(month)
        except IntegrityError:   # another manager issued it a moment ago: serve theirs
            db.session.rollback()
            report = report_archive.latest(current_user.center_id, month)
    return _stored(report)


@bp.get("/manage/report/versions/<int:report_id>.pdf")
@permissions.manager_required
def report_version(report_id):
    return _stored(permissions.monthly_report_or_404(current_user, report_id))


@bp.post("/manage/report/reissue")
@permissions.manager_required
def reissue():
    """Issue the closed month's report again, with the reason; the earlier versions stay."""
    month, form = _month(), ReissueForm()
    if not report_archive.is_closed(month):
        abort(404)
    if not form.validate():
        return _page(month, form, 422)
    latest = report_archive.latest(current_user.center_id, month)
    if (latest.version if latest else 0) != int(form.seen.data):
        flash(_("该月报告刚刚已有新的版本，请先查看后再决定是否重新生成。"), "warning")
        return _page(month, ReissueForm(formdata=None), 409)
    try:
        report = _issue(month, form.reason.data.strip())
    except IntegrityError:
        db.session.rollback()
        flash(_("该月报告刚刚已有新的版本，请先查看后再决定是否重新生成。"), "warning")
        return _page(month, ReissueForm(formdata=None), 409)
    flash(_("已重新生成该月报告（第 %(version)s 版），原有版本保留。", version=report.version), "success")
    return redirect(url_for(".report", month=f"{month:%Y-%m}"))
