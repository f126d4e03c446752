"""Absences (请假) and substitutes (代岗): agents' self-service, managers' overview."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from proxy_service import permissions
from proxy_service.core import clock, submit_once
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.models import Absence, Role, User
from proxy_service.service_quality import bp
from proxy_service.service_quality.forms import (
    AbsenceForm,
    CancelForm,
    SubstituteForm,
    flash_errors,
)
from proxy_service.workflow import assignment

ABSENCE_OPTIONS = (joinedload(Absence.agent), joinedload(Absence.substitute))


def center_agents(active_only=True):
    """The agents of the manager's (or agent's) center, by name."""
    query = permissions.visible_agents(current_user)
    if active_only:
        query = query.where(User.active.is_(True))
    return db.session.scalars(query.order_by(User.name, User.id)).all()


def _record(form, agent, done, target, substitute=None):
    """Record the absence the form describes, once (submit_once); True when it was saved."""
    submit_once.claim(form)
    with committing() as outcome:
        assignment.record_absence(agent, current_user, start_on=form.start_on.data,
                                  end_on=form.end_on.data, reason=form.reason.data,
                                  substitute=substitute)
        submit_once.lands_at(form, target)
    if outcome.conflict is None:
        flash(done, "success")
    return outcome.conflict is None


# --- agents: their own absences ----------------------------------------------------

@bp.route("/quality/my-absences", methods=["GET", "POST"])
@permissions.role_required(Role.AGENT)
def my_absences():
    form, target = AbsenceForm(), url_for("service_quality.my_absences")
    if form.validate_on_submit() and _record(
            form, current_user, _("请假已登记，请联系管理员安排代岗人员。"), target):
        return redirect(target)
    absences = db.session.scalars(permissions.visible_absences(current_user)
                                  .options(*ABSENCE_OPTIONS)
                                  .order_by(Absence.start_on.desc()).limit(20)).all()
    return render_template("service_quality/my_absences.html", form=form, absences=absences,
                           covering=_covered_by(current_user), today=clock.today(),
                           cancel_form=CancelForm()), 422 if form.is_submitted() else 200


def _covered_by(agent):
    """The current and coming absences that name `agent` as substitute."""
    return db.session.scalars(
        select(Absence).where(Absence.substitute_id == agent.id, Absence.end_on >= clock.today())
        .options(*ABSENCE_OPTIONS).order_by(Absence.start_on)).all()


@bp.post("/quality/absences/<int:absence_id>/cancel")
@permissions.role_required(Role.AGENT, Role.MANAGER)
def cancel_absence(absence_id):
    absence = permissions.absence_or_404(current_user, absence_id, *ABSENCE_OPTIONS)
    if CancelForm().validate_on_submit() and attempt(
            assignment.cancel_absence, absence, current_user) is None:
        flash(_("请假已撤销。"), "success")
    return redirect(url_for("service_quality.absences" if current_user.is_manager
                            else "service_quality.my_absences"))


# --- managers: the center's absences and substitutes ----------------------------------

@bp.route("/quality/absences", methods=["GET", "POST"])
@permissions.manager_required
def absences():
    """Current and upcoming absences with a substitute form each; a manager may also
    record an absence for an agent (e.g. sudden illness)."""
    agents = center_agents()
    form = AbsenceForm()
    form.offer("agent_id", agents, _("请选择代办员"))
    form.offer("substitute_id", agents, _("暂不指定"))
    if form.validate_on_submit() and _record_for_agent(form):
        return redirect(url_for("service_quality.absences"))
    page = paginate(permissions.visible_absences(current_user)
                    .where(Absence.end_on >= clock.today())
                    .options(*ABSENCE_OPTIONS).order_by(Absence.start_on, Absence.id))
    return render_template("service_quality/absences.html", page=page, form=form,
                           substitute_forms={a.id: _substitute_form(a, agents) for a in page.items},
                           today=clock.today(), cancel_form=CancelForm()), \
        422 if form.is_submitted() else 200


def _record_for_agent(form):
    """Record the absence of the agent the form names; True when it was saved."""
    agent = form.agent("agent_id")
    if agent is None:
        form.agent_id.errors = [_("请选择代办员。")]
        return False
    return _record(form, agent, _("已为 %(name)s 登记请假。", name=agent.name),
                   url_for("service_quality.absences"), form.agent("substitute_id"))


def _substitute_form(absence, agents):
    form = SubstituteForm(formdata=None, substitute_id=str(absence.substitute_id or ""))
    form.offer("substitute_id", [a for a in agents if a.id != absence.agent_id], _("暂不指定"))
    form.substitute_id.id = f"substitute-{absence.id}"
    return form


@bp.post("/quality/absences/<int:absence_id>/substitute")
@permissions.manager_required
def set_substitute(absence_id):
    absence = permissions.absence_or_404(current_user, absence_id, *ABSENCE_OPTIONS)
    form = SubstituteForm()
    form.offer("substitute_id", center_agents(), "")
    substitute = form.agent("substitute_id")
    if not form.validate_on_submit():
        flash_errors(form, labelled=True)
    elif attempt(assignment.set_substitute, absence, current_user, substitute) is None:
        flash(_("已设置代岗人员。") if substitute else _("已取消代岗安排。"), "success")
    return redirect(url_for("service_quality.absences"))
