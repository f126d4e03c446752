"""Fair assignment: agents' absences, substitutes, the suggested agent and bulk re-assignment.

Absences are reckoned on clock.today() (Beijing): an absence covers its start and end days.
Every change writes an AuditEvent and flushes; the view commits.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    Absence,
    Agreement,
    Case,
    Project,
    Role,
    Step,
    User,
)
from proxy_service.models.cases import CaseStatus
from proxy_service.permissions import current_absences
from proxy_service.workflow import agreements
from proxy_service.workflow.moves import _audit_event

# A case "handled" by an agent for the industry preference: open or completed, not
# declined or terminated (work that never happened says nothing about experience).
HANDLED_STATUSES = (*OPEN_CASE_STATUSES, CaseStatus.COMPLETED)


class AssignmentError(workflow.TransitionError):
    """An absence, substitute or bulk re-assignment that the rules do not allow."""


# --- who covers whom -----------------------------------------------------------------

def absent_today(center_id):
    """{agent id: their current Absence (substitute loaded)} in the center, one query."""
    absences = db.session.scalars(current_absences(
        select(Absence).where(Absence.center_id == center_id)).order_by(Absence.start_on)).all()
    return {absence.agent_id: absence for absence in absences}


def cover_for(case):
    """The current Absence of the case's agent, when it names a substitute; else None."""
    if case.agent_id is None:
        return None
    return db.session.scalar(current_absences(select(Absence).where(
        Absence.agent_id == case.agent_id, Absence.substitute_id.is_not(None)))
        .order_by(Absence.start_on.desc()).limit(1))


# --- absences ------------------------------------------------------------------------

def record_absence(agent, actor, *, start_on, end_on, reason="", substitute=None):
    """An agent's leave from `start_on` to `end_on` (inclusive), with the `substitute` who
    handles their cases meanwhile when one is named (set_substitute). Raises AssignmentError
    when the period is reversed, already over, or overlaps another absence of the same agent."""
    if agent.role is not Role.AGENT:
        raise AssignmentError(_l("只有代办员可以登记请假。"))
    if end_on < start_on:
        raise AssignmentError(_l("结束日期不能早于开始日期。"))
    if end_on < clock.today():
        raise AssignmentError(_l("不能登记已经结束的请假。"))
    overlapping = db.session.scalar(select(func.count(Absence.id)).where(
        Absence.agent_id == agent.id, Absence.start_on <= end_on, Absence.end_on >= start_on))
    if overlapping:
        raise AssignmentError(_l("该时间段与已登记的请假重叠。"))
    absence = Absence(center_id=agent.center_id, agent=agent, start_on=start_on, end_on=end_on,
                      reason=(reason or "").strip(), created_at=clock.now())
    db.session.add(absence)
    db.session.flush()
    _audit_event(actor, absence, "absence_create",
                 comment=_period(absence, absence.reason))
    db.session.flush()
    if substitute is not None:
        set_substitute(absence, actor, substitute)
    return absence


def cancel_absence(absence, actor):
    """Withdraw an upcoming absence, or end a current one today (the agent is back).
    Raises AssignmentError for an absence already over."""
    today = clock.today()
    state = absence.state(today)
    if state == "past":
        raise AssignmentError(_l("已结束的请假不能撤销。"))
    _audit_event(actor, absence, "absence_cancel", comment=_period(absence))
    if state == "upcoming" or absence.start_on == today:
        db.session.delete(absence)
    else:
        absence.end_on = today - timedelta(days=1)   # back today: the absence ended yesterday
    db.session.flush()


def set_substitute(absence, actor, substitute):
    """Name (or, with None, clear) who handles the absent agent's cases. The substitute
    must be another active agent of the same center. Raises AssignmentError."""
    if absence.state(clock.today()) == "past":
        raise AssignmentError(_l("该请假已结束，无需设置代岗人员。"))
    if substitute is not None and (
            substitute.role is not Role.AGENT or not substitute.active
            or substitute.center_id != absence.center_id or substitute.id == absence.agent_id):
        raise AssignmentError(_l("代岗人员须为本中心在岗的其他代办员。"))
    absence.substitute = substitute
    absence.substitute_set_by = actor
    name = substitute.name if substitute else in_record_language(_l("（取消代岗）"))
    _audit_event(actor, absence, "substitute_set",  # i18n-keep: audit record
                 comment=f"{absence.agent.name} → {name}（{_period(absence)}）")
    db.session.flush()


def _period(absence, reason=""):
    text = f"{absence.start_on:%Y-%m-%d} ~ {absence.end_on:%Y-%m-%d}"
    return f"{text}：{reason}" if reason else text  # i18n-keep: audit record


# --- the suggestion ----------------------------------------------------------------

@dataclass
class Suggestion:
    agent: User | None            # the one to preselect; None when nobody is present
    absent: dict                  # {agent id: current Absence}
    experienced: set              # ids of agents who handled the project's industry


def suggest(case, workloads):
    """The agent to propose for `case` among `workloads` (workloads.agent_workloads rows).

    Rule: leave out agents absent today and the case's current agent; prefer agents who
    handled a case (open or completed) of a project in the same industry; then the fewest
    open steps; ties by name. Two queries whatever the number of agents.
    """
    absent, experienced = absent_today(case.center_id), _experienced_agents(case)
    present = [w for w in workloads if w.agent.id not in absent and w.agent.id != case.agent_id]
    best = min(present, default=None, key=lambda w: (
        w.agent.id not in experienced, w.open_steps, w.agent.name, w.agent.id))
    return Suggestion(best.agent if best else None, absent, experienced)


def suggest_agent(case, workloads):
    return suggest(case, workloads).agent


def _experienced_agents(case):
    industry = select(Project.industry_id).where(Project.id == case.project_id).scalar_subquery()
    return set(db.session.scalars(
        select(Case.agent_id).join(Project, Project.id == Case.project_id)
        .where(Case.center_id == case.center_id, Case.id != case.id,
               Case.agent_id.is_not(None), Case.status.in_(HANDLED_STATUSES),
               Project.industry_id == industry).distinct()))


# --- bulk re-assignment --------------------------------------------------------------

def open_cases_of(agent, *options):
    """The agent's open cases (e.g. before a departure), oldest first, with their project and
    enterprise and what `options` load."""
    return db.session.scalars(select(Case).where(
        Case.agent_id == agent.id, Case.status.in_(OPEN_CASE_STATUSES))
        .options(joinedload(Case.project), joinedload(Case.enterprise), *options)
        .order_by(Case.submitted_at, Case.id)).all()


# What planning a move reads of each case (agreements.voided_by_reassigning renders its open
# agreements; the confirmation names their signatures): loaded with the cases, a fixed
# number of statements whatever their number.
PLAN_OPTIONS = (selectinload(Case.agreements).selectinload(Agreement.signatures),
                selectinload(Case.steps).joinedload(Step.item))


@dataclass
class BulkPlan:
    """What moving every open case of one agent to another does, for the manager to confirm."""
    cases: list                   # the open cases that move
    voided: list                  # agreements whose enterprise signature (or scan) the move voids

    @property
    def fingerprint(self):
        """Changes when what the confirmation showed no longer holds."""
        return "c" + ".".join(str(c.id) for c in self.cases) + \
            "-a" + ".".join(str(a.id) for a in self.voided)


def plan_bulk_reassign(from_agent, to_agent):
    cases = open_cases_of(from_agent, *PLAN_OPTIONS)
    return BulkPlan(cases, [agreement for case in cases
                            for agreement in agreements.voided_by_reassigning(case, to_agent)])


def bulk_reassign(from_agent, to_agent, actor, reason):
    """Re-assign every open case of `from_agent` to `to_agent` with one reason, through
    workflow.assign_agent (one audit event per case). All or nothing: raises the first
    TransitionError. Returns the cases moved."""
    if from_agent.id == to_agent.id:
        raise AssignmentError(_l("原代办员和新代办员不能相同。"))
    if from_agent.center_id != actor.center_id:
        raise AssignmentError(_l("只能改派本中心代办员的案件。"))
    if not (reason or "").strip():
        raise AssignmentError(_l("批量改派须填写原因。"))
    cases = open_cases_of(from_agent)
    for case in cases:
        workflow.assign_agent(case, actor, to_agent, reason)
    return cases
