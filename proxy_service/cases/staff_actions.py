"""The center's actions on a case (managers): accept, decline, (re-)assign, suspend, resume,
terminate; and the staff panel of the case page (the action forms and the assignment history),
computed by the view before the page renders (no query while a template renders)."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from proxy_service import permissions, workflow
from proxy_service.cases import bp
from proxy_service.cases.handling_forms import (
    AcceptForm,
    AgentChoiceMixin,
    AssignForm,
    DeclineForm,
    ResumeForm,
    SuspendForm,
    TerminateForm,
)
from proxy_service.core.conflicts import attempt
from proxy_service.core.extensions import db
from proxy_service.models import Assignment
from proxy_service.workflow import assignment
from proxy_service.workflow.workloads import agent_workloads, agents_of

# One form per action of workflow.case_actions (a re-assignment is the "assign" form too).
ACTION_FORMS = {"accept": AcceptForm, "decline": DeclineForm, "assign": AssignForm,
                "suspend": SuspendForm, "resume": ResumeForm, "terminate": TerminateForm}
AGENT_BLANKS = {"accept": _l("暂不指派"), "assign": _l("请选择代办员")}


@bp.post("/cases/<int:case_id>/accept")
@login_required
def accept(case_id):
    return _case_action(case_id, "accept", lambda case, form: workflow.accept_case(
        case, current_user, seen_version=form.version.data, agent=form.agent,
        comment=form.comment.data or ""), _l("已受理该代办申请。"))


@bp.post("/cases/<int:case_id>/decline")
@login_required
def decline(case_id):
    return _case_action(case_id, "decline", lambda case, form: workflow.decline_case(
        case, current_user, form.reason.data, seen_version=form.version.data),
        _l("已不予受理。"))


@bp.post("/cases/<int:case_id>/assign")
@login_required
def assign(case_id):
    return _case_action(case_id, "assign", _assign, _l("已指派代办员。"))


def _assign(case, form):
    workflow.assign_agent(case, current_user, form.agent, form.reason.data or "",
                          seen_version=form.version.data)


@bp.post("/cases/<int:case_id>/suspend")
@login_required
def suspend(case_id):
    return _case_action(case_id, "suspend", lambda case, form: workflow.suspend_case(
        case, current_user, form.reason.data, seen_version=form.version.data), _l("案件已中止。"))


@bp.post("/cases/<int:case_id>/resume")
@login_required
def resume(case_id):
    return _case_action(case_id, "resume", lambda case, form: workflow.resume_case(
        case, current_user, form.comment.data or "", seen_version=form.version.data),
        _l("案件已恢复办理。"))


@bp.post("/cases/<int:case_id>/terminate")
@login_required
def terminate(case_id):
    return _case_action(case_id, "terminate", lambda case, form: workflow.terminate_case(
        case, current_user, form.reason.data, seen_version=form.version.data), _l("案件已终止。"))


def _case_action(case_id, name, perform, done):
    """Load (404) → may update (403) → validate → one workflow verb → commit → redirect."""
    case = permissions.case_or_404(current_user, case_id)
    if not permissions.can_update_case(current_user, case):
        abort(403)
    form = action_form(name, case)
    if not form.validate_on_submit():
        _flash_errors(form)
    elif attempt(perform, case, form) is None:
        flash(str(done), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


def _flash_errors(form):
    for name, messages in form.errors.items():
        hidden = form[name].type == "HiddenField"
        for message in messages:
            flash(message if hidden else _("%(label)s：%(message)s", label=form[name].label.text,
                                           message=message), "warning")


def action_form(name, case, workloads=None, suggestion=None, **kwargs):
    """The `name` action form for `case`, its agent choices limited to the center's agents;
    with a `suggestion` (assignment.suggest) its agent is preselected, the manager may
    pick another."""
    form = ACTION_FORMS[name](**kwargs)
    if isinstance(form, AgentChoiceMixin):
        if workloads is None:
            form.offer_agents(agents_of(case.center_id), blank=AGENT_BLANKS[name])
        else:
            form.offer_agents([w.agent for w in workloads], blank=AGENT_BLANKS[name],
                              labels={w.agent.id: _workload_label(w, suggestion)
                                      for w in workloads})
        if suggestion is not None and suggestion.agent is not None:
            form.agent_id.data = str(suggestion.agent.id)
            form.agent_id.description = _(
                "已预选推荐的代办员 %(name)s：在岗代办员中优先办过同行业项目者，其次在办事项最少；"
                "可改选。", name=suggestion.agent.name)
    return form


def _workload_label(workload, suggestion=None):
    label = _("%(name)s（在办案件 %(cases)s，在办事项 %(steps)s）", name=workload.agent.name,
              cases=workload.open_cases, steps=workload.open_steps)
    if suggestion is not None:
        agent_id = workload.agent.id
        if agent_id in suggestion.absent:
            label += " · " + _("休假中")
        elif suggestion.agent is not None and agent_id == suggestion.agent.id:
            label += " · " + _("推荐")
        if agent_id in suggestion.experienced:
            label += " · " + _("办过同行业项目")
    return label


# --- the staff panel of the case page ----------------------------------------------

def staff_panel(user, case):
    """What templates/cases/_staff_actions.html shows staff on the case page: `action_forms`
    (staff_action_forms) and `assignments` (assignment_history); nothing for an enterprise."""
    if not user.is_staff:
        return {}
    return {"action_forms": staff_action_forms(user, case),
            "assignments": assignment_history(case)}


def staff_action_forms(user, case):
    """The action forms `user` may use on `case` now, keyed by action name, in the order of
    workflow.case_actions. Never reads the current request's form data."""
    if not permissions.can_update_case(user, case):
        return {}
    names = workflow.case_actions(case)
    picks_agent = {"accept", "assign"} & set(names)
    workloads = agent_workloads(case.center_id) if picks_agent else None
    suggestion = assignment.suggest(case, workloads) if picks_agent else None
    forms = {}
    for name in names:
        form = action_form(name, case, workloads, suggestion, formdata=None,
                           version=str(case.version))
        for f in form:   # several forms on one page: keep HTML ids distinct
            f.id = f.label.field_id = f"{name}-{f.name}"
        forms[name] = form
    return forms


def assignment_history(case):
    """The case's (re-)assignments with their people, in one query whatever their number."""
    return db.session.scalars(select(Assignment).where(Assignment.case_id == case.id).options(
        joinedload(Assignment.agent), joinedload(Assignment.assigned_by))
        .order_by(Assignment.id)).all()
