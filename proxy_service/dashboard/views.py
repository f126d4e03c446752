"""Staff start pages: the agent's inbox, the manager's request queue and workload table."""
from flask import render_template, request
from flask_login import current_user
from sqlalchemy import case as when, func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import deadlines, permissions, queries
from ..extensions import db
from ..models import Case, CaseStatus, OPEN_CASE_STATUSES, OPEN_STEP_STATUSES, Role, Step, StepStatus
from . import bp

# Most urgent first: filed steps (the department's clock runs), then work in hand;
# returned steps wait for the enterprise's correction, so they come last.
STEP_URGENCY = when({StepStatus.SUBMITTED.value: 0, StepStatus.PREPARING.value: 1,
                     StepStatus.PENDING.value: 2, StepStatus.RETURNED.value: 3},
                    value=Step.status, else_=4)


@bp.get("/inbox")
@permissions.role_required(Role.AGENT)
def inbox():
    """The agent's open cases and, paginated, the steps needing action across them.

    Steps of a suspended case are left out: nothing can be done on them until it resumes.
    """
    light = deadlines.parse_light(request.args.get("light"))
    open_cases = permissions.visible_cases(current_user).where(Case.status.in_(OPEN_CASE_STATUSES))
    case_rank = deadlines.case_rank()
    cases = db.session.scalars(
        deadlines.with_light(open_cases, case_rank, light)
        .options(joinedload(Case.enterprise), joinedload(Case.project), selectinload(Case.steps))
        .order_by(case_rank, Case.submitted_at, Case.id)).all()
    in_progress = open_cases.where(Case.status == CaseStatus.IN_PROGRESS).with_only_columns(Case.id)
    step_rank = deadlines.step_rank()
    steps = queries.paginate(deadlines.with_light(
        select(Step).join(Step.case)
        .where(Step.case_id.in_(in_progress), Step.status.in_(OPEN_STEP_STATUSES)), step_rank, light)
        .options(joinedload(Step.item),
                 joinedload(Step.case).joinedload(Case.enterprise),
                 joinedload(Step.case).joinedload(Case.project))
        .order_by(step_rank, STEP_URGENCY, Step.due_on.asc().nulls_last(),
                  Step.submitted_on.asc().nulls_last(), Case.submitted_at,
                  Case.id, Step.stage_order, Step.sort, Step.id))
    return render_template("dashboard/inbox.html", cases=cases, steps=steps)


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
    page = queries.paginate(_request_query(tab)
                            .options(joinedload(Case.enterprise), joinedload(Case.project))
                            .order_by(Case.submitted_at, Case.id))
    counts = {name: db.session.scalar(_request_query(name).with_only_columns(func.count(Case.id)))
              if name != tab else page.total for name in REQUEST_TABS}
    return render_template("dashboard/requests.html", tab=tab, page=page, counts=counts)


@bp.get("/manage/workload")
@permissions.manager_required
def workload():
    return render_template("dashboard/workload.html",
                           workloads=queries.agent_workloads(current_user.center_id))
