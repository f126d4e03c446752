"""Staff start pages: the agent's inbox, the manager's request queue and workload table."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from proxy_service import permissions, workflow
from proxy_service.calendar import lights
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.dashboard import bp
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    OPEN_STEP_STATUSES,
    ApprovalItem,
    Case,
    CaseStatus,
    Role,
    Step,
    StepStatus,
)
from proxy_service.workflow.workloads import agent_workloads

# Open cases listed on the inbox, most urgent first (the case list has them all).
INBOX_CASES = 20

# Most urgent first: filed steps (the department's clock runs), then work in hand;
# returned steps wait for the enterprise's correction, so they come last.
STEP_URGENCY = when({StepStatus.SUBMITTED.value: 0, StepStatus.PREPARING.value: 1,
                     StepStatus.PENDING.value: 2, StepStatus.RETURNED.value: 3},
                    value=Step.status, else_=4)


@bp.get("/inbox")
@permissions.role_required(Role.AGENT)
def inbox():
    """The agent's open cases and, paginated, the steps needing action across them; a step
    that nothing moves forward now says what it waits on instead of offering to handle it.

    Steps of a suspended case are left out: nothing can be done on them until it resumes.
    """
    light = lights.parse_light(request.args.get("light"))
    mine = permissions.visible_cases(current_user).whereclause
    cases, open_count = _most_urgent_cases(mine, light)
    steps = _steps_to_handle(mine, light)
    waits = {step.id: blocker for step in steps.items
             if (blocker := workflow.step_waits_on(step)) is not None}
    return render_template("dashboard/inbox.html", cases=cases, open_count=open_count, steps=steps,
                           waits=waits)


def _most_urgent_cases(mine, light):
    """The most urgent INBOX_CASES of the open cases `mine` selects (a busy agent's whole
    caseload is on the case list, sorted by light), each with its light, and how many there
    are. The light comes from the rank the database sorted by, so their steps stay unread."""
    case_rank = lights.case_rank()
    open_cases = lights.with_light(select(Case).where(mine, Case.status.in_(OPEN_CASE_STATUSES)),
                                   case_rank, light)
    by_rank = list(lights.Light)
    cases = [(case, by_rank[rank]) for case, rank in db.session.execute(
        open_cases.add_columns(case_rank)
        .options(joinedload(Case.enterprise), joinedload(Case.project))
        .order_by(case_rank, Case.submitted_at, Case.id).limit(INBOX_CASES))]
    return cases, db.session.scalar(open_cases.with_only_columns(func.count(Case.id)))


def _steps_to_handle(mine, light):
    """A page of the open steps of the in-progress cases `mine` selects, most urgent first,
    with what the page and step_waits_on read."""
    step_rank = lights.step_rank()
    # Joined with the agent's cases (not "case_id IN (…)"), so the database starts from them.
    return paginate(lights.with_light(
        select(Step).join(Step.case)
        .where(mine, Case.status == CaseStatus.IN_PROGRESS, Step.status.in_(OPEN_STEP_STATUSES)),
        step_rank, light)
        .options(joinedload(Step.item).selectinload(ApprovalItem.prerequisites),
                 joinedload(Step.agreement),
                 joinedload(Step.case).joinedload(Case.enterprise),
                 joinedload(Step.case).joinedload(Case.project),
                 # what the steps may wait on: their prerequisite items' steps in the case
                 joinedload(Step.case).selectinload(Case.steps).joinedload(Step.item))
        .order_by(step_rank, STEP_URGENCY, Step.due_on.asc().nulls_last(),
                  Step.submitted_on.asc().nulls_last(), Case.submitted_at,
                  Case.id, Step.stage_order, Step.sort, Step.id))


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
