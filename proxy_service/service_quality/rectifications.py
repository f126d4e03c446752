"""Managers' rectification (整改) pages: the center's list (overdue ones red) and one
rectification with its answer form."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case as when
from sqlalchemy.orm import joinedload

from proxy_service import permissions
from proxy_service.core import clock
from proxy_service.core.conflicts import attempt
from proxy_service.core.pagination import paginate
from proxy_service.models import Case, Evaluation, Outcome, Rectification, RectificationStatus
from proxy_service.service_quality import bp
from proxy_service.service_quality.forms import RectificationFilterForm, ResponseForm
from proxy_service.workflow import quality

RS = RectificationStatus
AWAITING = (RS.OPEN, RS.APPEALED)
LIST_OPTIONS = (joinedload(Rectification.case).joinedload(Case.enterprise),
                joinedload(Rectification.case).joinedload(Case.project),
                joinedload(Rectification.evaluation), joinedload(Rectification.manager))


def _filtered(query, status):
    if status == "overdue":
        return query.where(Rectification.status.in_(AWAITING),
                           Rectification.due_on < clock.today())
    if status:
        return query.where(Rectification.status == RS(status))
    return query


@bp.get("/quality/rectifications")
@permissions.manager_required
def rectifications():
    """The center's rectifications: awaiting an answer first, earliest due first."""
    filters = RectificationFilterForm(formdata=request.args)
    awaiting_first = when((Rectification.status.in_(AWAITING), 0), else_=1)
    page = paginate(_filtered(permissions.visible_rectifications(current_user), filters.value())
                    .options(*LIST_OPTIONS)
                    .order_by(awaiting_first, Rectification.due_on, Rectification.id))
    return render_template("service_quality/rectifications.html", page=page, filters=filters,
                           today=clock.today())


@bp.route("/quality/rectifications/<int:rectification_id>", methods=["GET", "POST"])
@permissions.manager_required
def rectification(rectification_id):
    """One rectification; a manager of the center answers it (first answer or review)."""
    item = permissions.rectification_or_404(current_user, rectification_id, *LIST_OPTIONS,
                                            joinedload(Rectification.evaluation)
                                            .joinedload(Evaluation.author))
    form = ResponseForm(formdata=None if request.method == "GET" else request.form,
                        version=str(item.version))
    if request.method == "POST" and form.validate_on_submit():
        if attempt(quality.respond, item, current_user, response=form.response.data,
                   outcome=Outcome(form.outcome.data), seen_version=form.version.data) is None:
            flash(_("已保存整改答复，企业可在案件页面查看。"), "success")
        return redirect(url_for("service_quality.rectification", rectification_id=item.id))
    may_respond = permissions.can_respond_to_rectification(current_user, item)
    return render_template("service_quality/rectification.html", item=item, form=form,
                           today=clock.today(), may_respond=may_respond), \
        422 if request.method == "POST" else 200
