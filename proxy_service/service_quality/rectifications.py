"""Managers' rectification (整改) pages: the center's list (overdue ones red) and one
rectification with its answer form."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case as when
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from proxy_service.core import clock
from proxy_service.core.conflicts import attempt
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.models import Case, Evaluation, Outcome, Rectification, RectificationStatus
from proxy_service.permissions import manager_required
from proxy_service.service_quality import bp
from proxy_service.service_quality.forms import RectificationFilterForm, ResponseForm
from proxy_service.workflow import quality as quality

RS = RectificationStatus
AWAITING = (RS.OPEN, RS.APPEALED)
LIST_OPTIONS = (joinedload(Rectification.case).joinedload(Case.enterprise),
                joinedload(Rectification.case).joinedload(Case.project),
                joinedload(Rectification.evaluation), joinedload(Rectification.manager))


def _center_rectifications():
    return select(Rectification).where(Rectification.center_id == current_user.center_id)


def _filtered(query, status):
    if status == "overdue":
        return query.where(Rectification.status.in_(AWAITING),
                           Rectification.due_on < clock.today())
    if status:
        return query.where(Rectification.status == RS(status))
    return query


@bp.get("/quality/rectifications")
@manager_required
def rectifications():
    """The center's rectifications: awaiting an answer first, earliest due first."""
    filters = RectificationFilterForm(formdata=request.args)
    awaiting_first = when((Rectification.status.in_(AWAITING), 0), else_=1)
    page = paginate(_filtered(_center_rectifications(), filters.value()).options(*LIST_OPTIONS)
                    .order_by(awaiting_first, Rectification.due_on, Rectification.id))
    return render_template("service_quality/rectifications.html", page=page, filters=filters,
                           today=clock.today())


def rectification_or_404(rectification_id):
    return db.first_or_404(_center_rectifications().where(Rectification.id == rectification_id)
                           .options(*LIST_OPTIONS,
                                    joinedload(Rectification.evaluation)
                                    .joinedload(Evaluation.author)))


@bp.route("/quality/rectifications/<int:rectification_id>", methods=["GET", "POST"])
@manager_required
def rectification(rectification_id):
    """One rectification; a manager of the center answers it (first answer or review)."""
    item = rectification_or_404(rectification_id)
    form = ResponseForm(formdata=None if request.method == "GET" else request.form,
                        version=str(item.version))
    if request.method == "POST" and form.validate_on_submit():
        if attempt(quality.respond, item, current_user, response=form.response.data,
                   outcome=Outcome(form.outcome.data), seen_version=form.version.data) is None:
            flash(_("已保存整改答复，企业可在案件页面查看。"), "success")
        return redirect(url_for("service_quality.rectification", rectification_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("service_quality/rectification.html", item=item, form=form,
                           today=clock.today(),
                           may_respond=quality.can_respond(current_user, item)), status
