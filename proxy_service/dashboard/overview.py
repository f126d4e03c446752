"""The managers' dashboard (their landing page)."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from proxy_service import permissions
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.dashboard import bp, figure_cache, figures
from proxy_service.models import Industry, Role, Stage, User


def _choices(center_id):
    """Agents (all, also inactive ones, for filtering) and industries; two queries."""
    agents = db.session.scalars(select(User).where(
        User.center_id == center_id, User.role == Role.AGENT).order_by(User.name)).all()
    industries = db.session.scalars(select(Industry).order_by(Industry.sort, Industry.name)).all()
    return agents, industries


def collect(center_id, filters, sort="name"):
    """Everything the dashboard shows but the late steps; a fixed number of queries. Plain
    values (figure_cache keeps them for later requests)."""
    steps = figures.approved_steps(center_id, filters)
    work = figures.open_work(center_id, filters)
    agents, industries = _choices(center_id)
    return {"filters": filters,
            "headline": figures.headline(center_id, filters, steps),
            "loads": figure_cache.detached(figures.workload(center_id, filters, steps, sort, work)),
            "aging": figures.aging(center_id, filters, work),
            "weeks": figures.weekly(center_id, filters, steps),
            "stages": figures.open_steps_by_stage(center_id, filters, work),
            "agents": figure_cache.named(agents), "industries": figure_cache.named(industries)}


@bp.get("/manage/dashboard")
@permissions.manager_required
def overview():
    center_id = current_user.center_id
    filters = figures.parse_filters(request.args)
    sort = request.args.get("sort", "name")
    shown = figure_cache.cached(center_id, filters, sort, lambda: collect(center_id, filters, sort))
    return render_template("dashboard/overview.html", **shown, sort=sort,
                           late=figures.late_steps(center_id, filters), stage_choices=list(Stage),
                           today=clock.today(), buckets=figures.AGING_BUCKETS)
