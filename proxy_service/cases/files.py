"""Documents and messages on a case: upload, download, post."""
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proxy_service import workflow
from proxy_service.cases import bp
from proxy_service.cases.forms import MessageForm
from proxy_service.cases.views import render_detail, upload_form
from proxy_service.core import submit_once
from proxy_service.core.conflicts import committing
from proxy_service.core.downloads import attachment
from proxy_service.core.uploads import UploadError
from proxy_service.permissions import (
    can_add_documents,
    can_write_internal,
    case_or_404,
    document_or_404,
)
from proxy_service.workflow.documents import store_document


@bp.post("/cases/<int:case_id>/documents")
@login_required
def upload(case_id):
    case = case_or_404(current_user, case_id)
    if not can_add_documents(current_user, case):
        flash(_("案件已结束，不能再上传材料。"), "warning")
        return _back(case, "documents")
    form = upload_form(case)
    if not form.validate_on_submit():
        return render_detail(case, 422, upload_form=form)
    step = _step_of(case, form.step_id.data)
    submit_once.claim(form)
    with committing(also=(UploadError,)) as outcome:
        document = store_document(form.file.data, kind=form.kind.data, uploader=current_user,
                                  case=case, step=step)
        submit_once.lands_at(form, _anchor_url(case, "documents"))
    if outcome.refused is not None:
        flash(str(outcome.refused), "danger")
    elif outcome.conflict is None:
        flash(_("已上传“%(name)s”。", name=document.filename), "success")
    return _back(case, "documents")


def _step_of(case, step_id):
    """None for the case itself; one of its steps; anything else is not found."""
    if not step_id:
        return None
    step = next((s for s in case.steps if s.id == step_id), None)
    if step is None:
        abort(404)
    return step


@bp.get("/documents/<int:document_id>")
@login_required
def download(document_id):
    document = document_or_404(current_user, document_id)
    return attachment(document.chunks(), filename=document.filename,
                      content_type=document.content_type, size=document.size,
                      sha256=document.sha256)


@bp.post("/cases/<int:case_id>/messages")
@login_required
def post_message(case_id):
    case = case_or_404(current_user, case_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return render_detail(case, 422, message_form=form)
    # Only staff may keep a note from the enterprise; a forged tick from it is ignored.
    internal = bool(form.internal.data) and can_write_internal(current_user)
    submit_once.claim(form)
    with committing() as outcome:
        workflow.post_message(case, current_user, form.body.data.strip(), internal=internal)
        submit_once.lands_at(form, _anchor_url(case, "messages"))
    if outcome.conflict is None:
        flash(_("内部备注已保存。") if internal else _("留言已发送。"), "success")
    return _back(case, "messages")


def _back(case, anchor):
    return redirect(_anchor_url(case, anchor))


def _anchor_url(case, anchor):
    return url_for("cases.detail", case_id=case.id, _anchor=anchor)
