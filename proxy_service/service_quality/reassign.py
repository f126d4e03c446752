"""Managers: move every open case of one agent (leaving, changing post) to another with one
reason, after a confirmation that names what the move changes (assignment.plan_bulk_reassign)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func

from proxy_service import permissions
from proxy_service.core import i18n
from proxy_service.core.conflicts import committing
from proxy_service.core.extensions import db
from proxy_service.models import OPEN_CASE_STATUSES, Case
from proxy_service.service_quality import bp
from proxy_service.service_quality.absences import center_agents
from proxy_service.service_quality.forms import BulkReassignForm
from proxy_service.workflow import assignment


@bp.route("/quality/reassign", methods=["GET", "POST"])
@permissions.manager_required
def reassign():
    """GET: the agents, their leave and open cases. POST: the confirmation; POST with
    confirmed=1 and the fingerprint it showed: the move."""
    everyone = center_agents(active_only=False)
    counts = _open_case_counts()
    absent = assignment.absent_today(current_user.center_id)
    form = BulkReassignForm(formdata=request.form if request.method == "POST" else request.args)
    form.offer("from_agent_id", [a for a in everyone if counts.get(a.id)], _("请选择"))
    form.offer("to_agent_id", [a for a in everyone if a.active], _("请选择"), labels={
        agent_id: _("%(name)s（休假中，至 %(day)s）", name=absence.agent.name,
                    day=i18n.day(absence.end_on)) for agent_id, absence in absent.items()})
    if request.method == "POST" and form.validate_on_submit():
        return _confirm_or_move(form, absent)
    source = form.agent("from_agent_id")
    preview = assignment.open_cases_of(source) if source else []
    return render_template("service_quality/reassign.html", form=form, agents=everyone,
                           counts=counts, absent=absent, preview=preview), \
        422 if request.method == "POST" else 200


def _open_case_counts():
    return dict(db.session.execute(
        permissions.visible_cases(current_user)
        .with_only_columns(Case.agent_id, func.count(Case.id))
        .where(Case.status.in_(OPEN_CASE_STATUSES)).group_by(Case.agent_id)).all())


def _confirm_or_move(form, absent):
    source, target = form.agent("from_agent_id"), form.agent("to_agent_id")
    plan = assignment.plan_bulk_reassign(source, target)
    if form.confirmed.data != "1":
        return _confirmation(form, plan, absent)
    if form.expected.data != plan.fingerprint:
        flash(_("确认期间在办案件或协议的签署情况已有变化，请重新核对后再确认。"), "warning")
        return _confirmation(form, plan, absent, 409)
    with committing() as outcome:   # a case saved meanwhile: StaleDataError, nothing moves
        moved = assignment.bulk_reassign(source, target, current_user, form.reason.data)
    if outcome.conflict is not None:
        return _confirmation(form, assignment.plan_bulk_reassign(source, target), absent, 409)
    flash(_("批量改派已完成。"), "success")
    flash(ngettext("已将 %(name)s 的 %(num)s 个在办案件改派给 %(target)s。",
                   "已将 %(name)s 的 %(num)s 个在办案件改派给 %(target)s。", len(moved),
                   name=source.name, target=target.name), "info")
    return redirect(url_for("service_quality.reassign"))


def _confirmation(form, plan, absent, status=200):
    target = form.agent("to_agent_id")
    return render_template("service_quality/reassign_confirm.html", form=form, plan=plan,
                           source=form.agent("from_agent_id"), target=target,
                           target_absence=absent.get(target.id)), status
