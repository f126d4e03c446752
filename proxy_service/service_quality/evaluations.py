"""The enterprise's side of 好差评: rate or edit a completed case, read the answer, appeal once.
Also the predicates the case page's evaluation card uses."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proxy_service import permissions
from proxy_service.core import clock, submit_once
from proxy_service.core.conflicts import committing
from proxy_service.service_quality import bp
from proxy_service.service_quality.forms import AppealForm, EvaluationForm, flash_errors
from proxy_service.workflow import quality


def _evaluation_card(case_id):
    return url_for("cases.detail", case_id=case_id, _anchor="evaluation")


@bp.route("/cases/<int:case_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluate(case_id):
    """Rate a completed case, or change the rating within the edit window."""
    case = permissions.case_or_404(current_user, case_id)   # first: an invisible case answers 404
    if not permissions.can_rate(current_user, case):
        abort(403)
    evaluation, back = quality.evaluation_of(case), _evaluation_card(case.id)
    if evaluation is not None and not permissions.evaluation_editable(evaluation):
        flash(_("评价提交已超过 %(days)s 天，不能再修改。", days=permissions.EVALUATION_EDIT_DAYS),
              "warning")
        return redirect(back)
    form = EvaluationForm(data=_current_values(evaluation) if request.method == "GET" else None)
    if form.validate_on_submit():
        submit_once.claim(form)
        with committing() as outcome:
            evaluation = quality.rate_or_edit(case, current_user, evaluation, **form.values)
            submit_once.lands_at(form, back)
        if outcome.conflict is None:
            flash(_done_message(evaluation), "success")
        return redirect(back)
    return render_template("service_quality/evaluate.html", case=case, form=form,
                           evaluation=evaluation), 422 if form.is_submitted() else 200


def _current_values(evaluation):
    if evaluation is None:
        return None
    return dict(grade=evaluation.grade.value, efficiency=evaluation.efficiency,
                attitude=evaluation.attitude, expertise=evaluation.expertise,
                comment=evaluation.comment)


def _done_message(evaluation):
    if evaluation.grade.is_poor:
        return _("感谢您的评价。服务中心将在 %(days)s 个工作日内就您反映的问题整改并答复。",
                 days=quality.RESPONSE_WORKDAYS)
    return _("感谢您的评价！")


@bp.post("/cases/<int:case_id>/evaluation/appeal")
@login_required
def appeal(case_id):
    """复核: once, after the center's answer to a poor evaluation."""
    case = permissions.case_or_404(current_user, case_id)
    if not current_user.is_enterprise:
        abort(403)
    rectification = permissions.case_rectification_or_404(current_user, case.id)
    form, back = AppealForm(), _evaluation_card(case.id)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    submit_once.claim(form)
    with committing() as outcome:   # StaleDataError: the center answered at the same moment
        quality.appeal(rectification, current_user, form.reason.data)
        submit_once.lands_at(form, back)
    if outcome.conflict is None:
        flash(_("已提交复核申请，服务中心将重新核实并答复。"), "success")
    return redirect(back)


@bp.app_context_processor
def _quality_helpers():
    # No query: the card's evaluation is passed in; its predicates are permissions.PREDICATES.
    return {"evaluation_edit_deadline": permissions.evaluation_edit_deadline,
            "appeal_form": lambda: AppealForm(formdata=None), "beijing_today": clock.today}
