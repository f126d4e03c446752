"""The enterprise's side of 好差评: rate or edit a completed case, read the answer, appeal once.
Also the helpers the case page and the case list use to show the evaluation card and prompt."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from proxy_service.core import clock, submit_once
from proxy_service.core.conflicts import committing
from proxy_service.core.extensions import db
from proxy_service.models import CaseStatus, Evaluation, Rectification
from proxy_service.permissions import case_or_404
from proxy_service.service_quality import bp
from proxy_service.service_quality.forms import AppealForm, EvaluationForm
from proxy_service.workflow import assignment
from proxy_service.workflow import quality as quality


@bp.route("/cases/<int:case_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluate(case_id):
    """Rate a completed case, or change the rating within the edit window."""
    case = case_or_404(current_user, case_id)   # first: an invisible case answers 404
    if not quality.can_rate(current_user, case):
        abort(403)
    evaluation = evaluation_of(case)
    if evaluation is not None and not quality.editable(evaluation):
        flash(_("评价提交已超过 %(days)s 天，不能再修改。", days=quality.EDIT_DAYS), "warning")
        return redirect(url_for("cases.detail", case_id=case.id, _anchor="evaluation"))
    form = EvaluationForm(data=_current_values(evaluation) if request.method == "GET" else None)
    if form.validate_on_submit():
        target = url_for("cases.detail", case_id=case.id, _anchor="evaluation")
        submit_once.claim(form)
        try:
            if evaluation is None:
                evaluation = quality.rate(case, current_user, **form.values)
            else:
                quality.edit(evaluation, current_user, **form.values)
            submit_once.lands_at(form, target)
            db.session.commit()
        except (quality.EvaluationError, IntegrityError) as err:
            db.session.rollback()
            flash(_message(err), "warning")
        else:
            flash(_done_message(evaluation), "success")
        return redirect(target)
    return render_template("service_quality/evaluate.html", case=case, form=form,
                           evaluation=evaluation), 422 if form.is_submitted() else 200


def _current_values(evaluation):
    if evaluation is None:
        return None
    return dict(grade=evaluation.grade.value, efficiency=evaluation.efficiency,
                attitude=evaluation.attitude, expertise=evaluation.expertise,
                comment=evaluation.comment)


def _message(err):
    # Two submissions racing past the check meet the unique constraint on case_id.
    if isinstance(err, IntegrityError):
        return _("该案件已评价，每个案件只能评价一次。")
    return str(err)


def _done_message(evaluation):
    if evaluation.grade.is_poor:
        return _("感谢您的评价。服务中心将在 %(days)s 个工作日内就您反映的问题整改并答复。",
                 days=quality.RESPONSE_WORKDAYS)
    return _("感谢您的评价！")


@bp.post("/cases/<int:case_id>/evaluation/appeal")
@login_required
def appeal(case_id):
    """复核: once, after the center's answer to a poor evaluation."""
    case = case_or_404(current_user, case_id)
    if not current_user.is_enterprise:
        abort(403)
    evaluation = evaluation_of(case)
    rectification = evaluation.rectification if evaluation else None
    if rectification is None:
        abort(404)
    form = AppealForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "warning")
    else:
        submit_once.claim(form)
        with committing() as outcome:   # StaleDataError: the center answered at the same moment
            quality.appeal(rectification, current_user, form.reason.data)
            submit_once.lands_at(form, url_for("cases.detail", case_id=case.id,
                                               _anchor="evaluation"))
        if outcome.conflict is None:
            flash(_("已提交复核申请，服务中心将重新核实并答复。"), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="evaluation"))


# --- helpers for the case page and the case list -------------------------------------

def evaluation_of(case):
    """The case's evaluation with its rectification (one query; none before completion)."""
    if case.status is not CaseStatus.COMPLETED:
        return None
    return db.session.scalar(select(Evaluation).where(Evaluation.case_id == case.id).options(
        joinedload(Evaluation.rectification).joinedload(Rectification.responded_by),
        joinedload(Evaluation.rectification).joinedload(Rectification.reviewed_by)))


def unrated(cases):
    """Ids of the completed cases among `cases` still waiting for the enterprise's rating
    (one query for the page, none for staff)."""
    if not current_user.is_enterprise:
        return set()
    completed = [c.id for c in cases if c.status is CaseStatus.COMPLETED]
    if not completed:
        return set()
    rated = set(db.session.scalars(select(Evaluation.case_id).where(
        Evaluation.case_id.in_(completed))))
    return set(completed) - rated


@bp.app_context_processor
def _quality_helpers():
    return {"case_evaluation": evaluation_of, "case_cover": assignment.cover_for,
            "unrated_cases": unrated, "appeal_form": lambda: AppealForm(formdata=None),
            "can_rate": quality.can_rate, "can_edit_evaluation": quality.can_edit,
            "can_appeal": quality.can_appeal, "evaluation_edit_deadline": quality.edit_deadline,
            "beijing_today": clock.today}
