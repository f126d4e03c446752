"""Absences (请假) and substitutes (代岗): agents' self-service, managers' overview."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from proxy_service import workflow
from proxy_service.core import clock, submit_once
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.models import Absence, Role, User
from proxy_service.permissions import manager_required, role_required
from proxy_service.service_quality import bp
from proxy_service.service_quality.forms import AbsenceForm, CancelForm, SubstituteForm
from proxy_service.workflow import assignment

ABSENCE_OPTIONS = (joinedload(Absence.agent), joinedload(Absence.substitute))


def center_agents(active_only=True):
    """The agents of the manager's (or agent's) center, by name."""
    query = select(User).where(User.center_id == current_user.center_id, User.role == Role.AGENT)
    if active_only:
        query = query.where(User.active.is_(True))
    return db.session.scalars(query.order_by(User.name, User.id)).all()


def _flash_errors(form):
    for name, messages in form.errors.items():
        for message in messages:
            flash(_("%(label)s：%(message)s", label=form[name].label.text, message=message), "warning")


def commit_call(perform, done, form=None, target=None):
    """Run one service call, commit, flash; a rule violation rolls back with its message.
    With a create `form`, its one-time token is recorded as landing on `target`."""
    try:
        perform()
        if form is not None:
            submit_once.lands_at(form, target)
        db.session.commit()
    except workflow.TransitionError as err:
        db.session.rollback()
        flash(str(err), "warning")
        return False
    flash(done, "success")
    return True


# --- agents: their own absences ----------------------------------------------------

@bp.route("/quality/my-absences", methods=["GET", "POST"])
@role_required(Role.AGENT)
def my_absences():
    form = AbsenceForm()
    if form.validate_on_submit():
        target = url_for("service_quality.my_absences")
        submit_once.claim(form)
        if commit_call(lambda: assignment.record_absence(
                current_user, current_user, start_on=form.start_on.data, end_on=form.end_on.data,
                reason=form.reason.data), _("请假已登记，请联系管理员安排代岗人员。"), form, target):
            return redirect(target)
    absences = db.session.scalars(select(Absence).where(Absence.agent_id == current_user.id)
                                  .options(*ABSENCE_OPTIONS)
                                  .order_by(Absence.start_on.desc()).limit(20)).all()
    covering = db.session.scalars(
        select(Absence).where(Absence.substitute_id == current_user.id,
                              Absence.end_on >= clock.today())
        .options(*ABSENCE_OPTIONS).order_by(Absence.start_on)).all()
    return render_template("service_quality/my_absences.html", form=form, absences=absences,
                           covering=covering, today=clock.today(), cancel_form=CancelForm()), \
        422 if form.is_submitted() else 200


def absence_or_404(absence_id):
    """An agent's own absence, or any absence of a manager's center."""
    query = select(Absence).where(Absence.id == absence_id).options(*ABSENCE_OPTIONS)
    if current_user.is_manager:
        query = query.where(Absence.center_id == current_user.center_id)
    else:
        query = query.where(Absence.agent_id == current_user.id)
    return db.first_or_404(query)


@bp.post("/quality/absences/<int:absence_id>/cancel")
@role_required(Role.AGENT, Role.MANAGER)
def cancel_absence(absence_id):
    absence = absence_or_404(absence_id)
    if CancelForm().validate_on_submit():
        commit_call(lambda: assignment.cancel_absence(absence, current_user), _("请假已撤销。"))
    return redirect(url_for("service_quality.absences" if current_user.is_manager
                            else "service_quality.my_absences"))


# --- managers: the center's absences and substitutes ----------------------------------

@bp.route("/quality/absences", methods=["GET", "POST"])
@manager_required
def absences():
    """Current and upcoming absences with a substitute form each; a manager may also
    record an absence for an agent (e.g. sudden illness)."""
    agents = center_agents()
    form = AbsenceForm()
    form.offer("agent_id", agents, _("请选择代办员"))
    form.offer("substitute_id", agents, _("暂不指定"))
    if form.validate_on_submit():
        if (done := _record_for_agent(form)) is not None:
            return done
    page = paginate(select(Absence).where(Absence.center_id == current_user.center_id,
                                          Absence.end_on >= clock.today())
                    .options(*ABSENCE_OPTIONS).order_by(Absence.start_on, Absence.id))
    return render_template("service_quality/absences.html", page=page, form=form,
                           substitute_forms={a.id: _substitute_form(a, agents) for a in page.items},
                           today=clock.today(), cancel_form=CancelForm()), \
        422 if form.is_submitted() else 200


def _record_for_agent(form):
    """The redirect to send after recording; None on an error."""
    agent = form.agent("agent_id")
    if agent is None:
        form.agent_id.errors = [_("请选择代办员。")]
        return None
    submit_once.claim(form)
    substitute = form.agent("substitute_id")
    target = url_for("service_quality.absences")

    def perform():
        absence = assignment.record_absence(agent, current_user, start_on=form.start_on.data,
                                            end_on=form.end_on.data, reason=form.reason.data)
        if substitute is not None:
            assignment.set_substitute(absence, current_user, substitute)
    if commit_call(perform, _("已为 %(name)s 登记请假。", name=agent.name), form, target):
        return redirect(target)
    return None


def _substitute_form(absence, agents):
    form = SubstituteForm(formdata=None, substitute_id=str(absence.substitute_id or ""))
    form.offer("substitute_id", [a for a in agents if a.id != absence.agent_id], _("暂不指定"))
    form.substitute_id.id = f"substitute-{absence.id}"
    return form


@bp.post("/quality/absences/<int:absence_id>/substitute")
@manager_required
def set_substitute(absence_id):
    absence = absence_or_404(absence_id)
    form = SubstituteForm()
    form.offer("substitute_id", center_agents(), "")
    if not form.validate_on_submit():
        _flash_errors(form)
    else:
        substitute = form.agent("substitute_id")
        commit_call(lambda: assignment.set_substitute(absence, current_user, substitute),
                _("已设置代岗人员。") if substitute else _("已取消代岗安排。"))
    return redirect(url_for("service_quality.absences"))
