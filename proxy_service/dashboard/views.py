"""Staff start pages: the agent's inbox, the manager's request queue and workload table."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from proxy_service import permissions
from proxy_service.calendar import lights
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.dashboard import bp
from proxy_service.dashboard import inbox as agent_inbox
from proxy_service.models import (
    Case,
    CaseStatus,
    Role,
)
from proxy_service.workflow.workloads import agent_workloads

# Open cases listed on the inbox, most urgent first (the case list has them all).
INBOX_CASES = 20


@bp.get("/inbox")
@permissions.role_required(Role.AGENT)
def inbox():
    """The agent's open cases and, paginated, the steps needing action across them; a step
    that nothing moves forward now says what it waits on instead of offering to handle it.

    Steps of a suspended case are left out: nothing can be done on them until it resumes.
    """
    light = lights.parse_light(request.args.get("light"))
    mine = permissions.visible_cases(current_user).whereclause
    cases, open_count = agent_inbox.urgent_cases(mine, light, INBOX_CASES)
    steps, step_rows = agent_inbox.steps_to_handle(mine, light)
    return render_template("dashboard/inbox.html", cases=cases, open_count=open_count, steps=steps,
                           step_rows=step_rows)


REQUEST_TABS = {"new": (CaseStatus.SUBMITTED, False), "unassigned": (CaseStatus.ACCEPTED, True)}


def _request_query(tab):
    status, unassigned = REQUEST_TABS[tab]
    query = permissions.visible_cases(current_user).where(Case.status == status)
    return query.where(Case.agent_id.is_(None)) if unassigned else query


@bp.get("/manage/requests")
@permissions.manager_required
def requests():
    """New requests (oldest first) and accepted cases still waiting for an agent, as two tabs."""
    tab = request.args.get("tab") if request.args.get("tab") in REQUEST_TABS else "new"
    page = paginate(_request_query(tab)
                            .options(joinedload(Case.enterprise), joinedload(Case.project))
                            .order_by(Case.submitted_at, Case.id))
    counts = {name: db.session.scalar(_request_query(name).with_only_columns(func.count(Case.id)))
              if name != tab else page.total for name in REQUEST_TABS}
    return render_template("dashboard/requests.html", tab=tab, page=page, counts=counts)


@bp.get("/manage/workload")
@permissions.manager_required
def workload():
    return render_template("dashboard/workload.html",
                           workloads=agent_workloads(current_user.center_id))
