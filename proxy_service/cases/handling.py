"""Staff handling: step updates (agent or manager) and case actions (managers of the center)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from proxy_service import permissions, workflow
from proxy_service.calendar import pauses
from proxy_service.cases import bp
from proxy_service.cases.handling_forms import (
    AcceptForm,
    AgentChoiceMixin,
    AssignForm,
    DeclineForm,
    ResumeForm,
    StepForm,
    SuspendForm,
    TerminateForm,
)
from proxy_service.cases.views import status_label
from proxy_service.core import uploads
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.models import Assignment, AuditEvent, CaseStatus
from proxy_service.workflow import assignment, step_rules
from proxy_service.workflow.workloads import agent_workloads, agents_of

STALE_STEP = _l("该事项在您编辑期间已被他人修改，以下为最新内容，您的修改未保存。")
# The case stopped (was suspended, say) after the form was loaded; the page says what it waits on.
NOT_IN_PROGRESS = _l("案件当前不在办理中，您的修改未保存。")
SUSPENDED_STEP = _l("案件已中止办理，本事项现在不能更新，您的修改未保存。")


# --- step update --------------------------------------------------------------

@bp.route("/cases/<int:case_id>/steps/<int:step_id>", methods=["GET", "POST"])
@login_required
def step(case_id, step_id):
    step = permissions.step_or_404(current_user, case_id, step_id)
    if not permissions.can_open_step(current_user, step):
        abort(403)
    form = StepForm(obj=step if request.method == "GET" else None)
    form.offer_actions(step)
    if request.method == "POST" and not permissions.can_update_step(current_user, step):
        refused = SUSPENDED_STEP if step.case.status is CaseStatus.SUSPENDED else NOT_IN_PROGRESS
        return _render_step(step, form, error=str(refused)), 409
    if not form.validate_on_submit():
        if request.method == "POST" and _outdated(form, step):
            return _render_stale(step, form)
        return _render_step(step, form), (422 if request.method == "POST" else 200)
    if (refused := _commit_step(step, form)) is not None:
        return refused
    flash(_("事项“%(name)s”已更新。", name=step.item.name), "success")
    return redirect(url_for("cases.detail", case_id=case_id))


def _commit_step(step, form):
    """Save the valid form through the one verb and commit: None, or (nothing kept) the page
    saying why not."""
    with committing(quiet=True, also=(uploads.UploadError,)) as outcome:
        workflow.update_step(step, current_user, seen_version=form.version.data,
                             action=form.action.data or None, note=form.note_text,
                             internal=form.note_is_internal, document=form.document.data,
                             document_kind=form.document_kind.data, **form.details)
    return _refused_page(step, form, outcome.conflict or outcome.refused)


def _refused_page(step, form, err):
    """The step page for an update refused with `err` (None: not refused)."""
    if err is None:
        return None
    if isinstance(err, (workflow.StaleEdit, StaleDataError)):
        return _render_stale(step, form)
    if isinstance(err, workflow.StepDateError):      # on the date's own field
        form[err.field].errors.append(str(err))
        return _render_step(step, form), 422
    if isinstance(err, uploads.UploadError):
        form.document.errors.append(str(err))
        return _render_step(step, form), 422
    return _render_step(step, form, error=str(err)), 422


def _outdated(form, step):
    seen = form.version.data or ""
    return seen.isdigit() and int(seen) != step.version


def _render_step(step, form, error=None, stale=False):
    """The step page: the form while the step can be updated, and what holds it back."""
    return render_template("cases/step.html", step=step, case=step.case, form=form,
                           error=error, stale=stale, blockers=step_rules.blockers(step),
                           editable=permissions.can_update_step(current_user, step),
                           pauses=pauses.of_step(step), events=_step_events(step), step_names={},
                           status_label=status_label)


def _step_events(step):
    """What happened to the step, oldest first (its dates moved by the calendar included)."""
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == step.case_id, AuditEvent.object_type == "step",
        AuditEvent.object_id == step.id).options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)).all()


def _render_stale(step, form):
    """The latest saved values beside what the user typed (kept in the form), status 409."""
    db.session.refresh(step)
    form.version.data = str(step.version)
    form.offer_actions(step)
    return _render_step(step, form, error=str(STALE_STEP), stale=True), 409


# --- case actions (managers) -----------------------------------------------------

ACTION_FORMS = {"accept": AcceptForm, "decline": DeclineForm, "assign": AssignForm,
                "suspend": SuspendForm, "resume": ResumeForm, "terminate": TerminateForm}
AGENT_BLANKS = {"accept": _l("暂不指派"), "assign": _l("请选择代办员")}
# What the manager may do with a case in each status, in the order the page shows them.
ACTIONS_BY_STATUS = {
    CaseStatus.SUBMITTED: ("accept", "decline"),
    CaseStatus.ACCEPTED: ("assign", "terminate"),
    CaseStatus.SIGNING: ("assign", "terminate"),
    CaseStatus.IN_PROGRESS: ("assign", "suspend", "terminate"),
    CaseStatus.SUSPENDED: ("assign", "resume", "terminate"),
}


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


@bp.app_context_processor
def _staff_action_helpers():
    return {"staff_action_forms": staff_action_forms, "assignment_history": assignment_history}


def staff_action_forms(case):
    """The action forms the current user may use on `case` now, keyed by action name.

    Made for templates/cases/_staff_actions.html, so that the detail view needs
    to pass nothing but `case`. Never reads the current request's form data.
    """
    if not permissions.can_update_case(current_user, case):
        return {}
    names = ACTIONS_BY_STATUS.get(case.status, ())
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
