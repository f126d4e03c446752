"""Staff handling: step updates (agent or manager). The case actions are in staff_actions.py."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from proxy_service import permissions, workflow
from proxy_service.calendar import pauses
from proxy_service.cases import bp, timeline
from proxy_service.cases.handling_forms import StepForm
from proxy_service.core import uploads
from proxy_service.core.conflicts import committing
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, CaseStatus
from proxy_service.workflow import step_rules

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
                           pauses=pauses.of_step(step),
                           timeline=timeline.rows(_step_events(step), {}), timeline_more=False)


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
