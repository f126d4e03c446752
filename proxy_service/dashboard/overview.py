"""The managers' dashboard (their landing page) and the monthly report page and PDF."""
from datetime import date, timedelta

from flask import Response, render_template, request
from flask_login import current_user
from sqlalchemy import select

from .. import clock, permissions
from ..extensions import db
from ..models import Industry, Role, Stage, User
from . import bp, figures


def _choices(center_id):
    """Agents (all, also inactive ones, for filtering) and industries; two queries."""
    agents = db.session.scalars(select(User).where(
        User.center_id == center_id, User.role == Role.AGENT).order_by(User.name)).all()
    industries = db.session.scalars(select(Industry).order_by(Industry.sort, Industry.name)).all()
    return agents, industries


def collect(center_id, filters, sort="name", detail=False):
    """Everything the dashboard shows; a fixed number of queries. `detail`: the approved
    steps carry what the monthly report's late list shows."""
    steps = figures.approved_steps(center_id, filters, detail)
    work = figures.open_work(center_id, filters)
    return {"filters": filters, "steps_done": steps,
            "headline": figures.headline(center_id, filters, steps),
            "loads": figures.workload(center_id, filters, steps, sort, work),
            "aging": figures.aging(center_id, filters, work),
            "weeks": figures.weekly(center_id, filters, steps),
            "stages": figures.open_steps_by_stage(center_id, filters, work)}


@bp.get("/manage/dashboard")
@permissions.manager_required
def overview():
    center_id = current_user.center_id
    filters = figures.parse_filters(request.args)
    sort = request.args.get("sort", "name")
    agents, industries = _choices(center_id)
    return render_template("dashboard/overview.html", **collect(center_id, filters, sort),
                           late=figures.late_steps(center_id, filters), sort=sort,
                           agents=agents, industries=industries, stage_choices=list(Stage),
                           today=clock.today(), buckets=figures.AGING_BUCKETS)


def month_filters():
    """The month asked for by ?month=YYYY-MM; this month by default."""
    today = clock.today()
    try:
        year, month = (int(part) for part in request.args.get("month", "").split("-"))
        start = date(year, month, 1)
    except ValueError:
        start = today.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return figures.Filters(start, end)


def report_data():
    filters = month_filters()
    data = collect(current_user.center_id, filters, detail=True)
    data["overdue"] = [row for row in data.pop("steps_done") if not figures.on_time(row)]
    data["late"] = figures.late_steps(current_user.center_id, figures.Filters(
        filters.start, filters.end), limit=500)
    data["center"], data["today"] = current_user.center, clock.today()
    return data


@bp.get("/manage/report")
@permissions.manager_required
def report():
    from ..documents.monthly_report import overdue_rows
    return render_template("dashboard/report.html", overdue_rows=overdue_rows, **report_data())


@bp.get("/manage/report.pdf")
@permissions.manager_required
def report_pdf():
    from ..documents import monthly_report
    data = report_data()
    pdf = monthly_report.render(data)
    name = f"monthly-report-{data['filters'].start:%Y-%m}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
