"""The monthly report: its page, its PDF (issued once the month has ended and served as
stored from then on), the stored versions, and issuing a month's report again with a reason.
Only the center's months have a report (workflow/reports.py, Months)."""
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from proxy_service import permissions
from proxy_service.core import clock, i18n
from proxy_service.core.conflicts import committing
from proxy_service.core.downloads import not_modified, revalidated
from proxy_service.dashboard import bp, monthly
from proxy_service.dashboard.forms import ReissueForm
from proxy_service.documents import monthly_report
from proxy_service.workflow import reports


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


def _months():
    return reports.months(current_user.center_id)


def _page(month, months, form, status=200):
    """The month's figures counted from the history; for a closed month its stored versions,
    the latest of which is the record, and whether the figures still agree with it."""
    data = monthly.report_data(current_user.center, month)
    closed = months.closed(month)
    versions = reports.versions(current_user.center_id, month) if closed else []
    record = versions[0] if versions else None
    if form.seen.data is None:
        form.seen.data = str(record.version if record else 0)
    return render_template("dashboard/report.html", rows=monthly_report.overdue_rows(data["overdue"]),
                           as_of=monthly_report.as_of_line(data),
                           rectifications=monthly_report.rectifications(data["headline"]),
                           closed=closed, versions=versions, record=record, months=months,
                           agrees=monthly_report.agrees(data, record.data) if record else None,
                           form=form, **data), status


@bp.get("/manage/report")
@permissions.manager_required
def report():
    month, months = _month(), _months()
    if month not in months:
        flash(_("没有 %(month)s 的月度报告（本中心的记录始于 %(first)s，报告截至本月），以下为本月报告。",
                month=i18n.day(month, "month"), first=i18n.day(months.first, "month")), "warning")
        month = months.last
    return _page(month, months, ReissueForm(formdata=None))


def _pdf(body, filename):
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _stored(report):
    """The report's PDF as stored; 304 when the client has it already (its SHA-256)."""
    if (unchanged := not_modified(report.sha256)) is not None:
        return unchanged
    return revalidated(_pdf(report.data, report.filename), report.sha256)


def _issue(month, reason="", seen_version=None):
    """Render the month's report as the next version and store it (the caller commits)."""
    data = monthly.report_data(current_user.center, month)
    return reports.issue(
        current_user.center_id, month, current_user, reason, seen_version=seen_version,
        render=lambda version, issued_at: monthly_report.render(data, (version, issued_at, reason)))


@bp.get("/manage/report.pdf")
@permissions.manager_required
def report_pdf():
    """The running month's report as it stands; a closed month's as first issued (issued now
    if nobody asked for it yet), or its latest version; 404 for a month not the center's."""
    month, months = _month(), _months()
    if month not in months:
        abort(404)
    if not months.closed(month):
        data = monthly.report_data(current_user.center, month)
        return _pdf(monthly_report.render(data), f"monthly-report-{month:%Y-%m}.pdf")
    report = reports.latest(current_user.center_id, month)
    if report is None:
        with committing(quiet=True) as outcome:
            report = _issue(month)
        if outcome.conflict:   # another manager issued it a moment ago: serve theirs
            report = reports.latest(current_user.center_id, month)
    return _stored(report)


@bp.get("/manage/report/versions/<int:report_id>.pdf")
@permissions.manager_required
def report_version(report_id):
    return _stored(permissions.monthly_report_or_404(current_user, report_id))


@bp.post("/manage/report/reissue")
@permissions.manager_required
def reissue():
    """Issue the closed month's report again, with the reason; the earlier versions stay."""
    month, months, form = _month(), _months(), ReissueForm()
    if not months.closed(month):
        abort(404)
    if not form.validate():
        return _page(month, months, form, 422)
    with committing() as outcome:   # a version issued meanwhile: flashed, answered 409
        report = _issue(month, form.reason.data.strip(), form.seen.data)
    if outcome.conflict:
        return _page(month, months, ReissueForm(formdata=None), 409)
    flash(_("已重新生成该月报告（第 %(version)s 版），原有版本保留。", version=report.version), "success")
    return redirect(url_for(".report", month=f"{month:%Y-%m}"))
