"""The agreement page, its PDF (inline or download) and signing online."""
import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proxy_service.agreements import bp
from proxy_service.agreements.forms import (
    PaperConfirmForm,
    PaperRejectForm,
    PaperUploadForm,
    SignForm,
)
from proxy_service.core import submit_once
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.downloads import not_modified, revalidated
from proxy_service.core.extensions import db
from proxy_service.core.uploads import UploadError
from proxy_service.identity.reauth import verify_reauth
from proxy_service.models import AgreementState, Document
from proxy_service.models.agreements import ENTERPRISE
from proxy_service.permissions import agreement_or_404, signing_party
from proxy_service.workflow import agreements, paper_signing


@bp.get("/agreements/<int:agreement_id>")
@login_required
def detail(agreement_id):
    agreement = agreement_or_404(current_user, agreement_id)
    return render_detail(agreement)


def render_detail(agreement, status=200, **forms):
    forms.setdefault("upload_form", PaperUploadForm(formdata=None))
    forms.setdefault("confirm_form", PaperConfirmForm(
        formdata=None, signer_name=agreement.case.enterprise.legal_representative,
        signer_title=_("法定代表人")))
    forms.setdefault("reject_form", PaperRejectForm(formdata=None))
    scan = db.session.get(Document, agreement.paper_scan_id) if agreement.paper_scan_id else None
    return render_template("agreements/detail.html", agreement=agreement, case=agreement.case,
                           scan=scan, rejection=paper_signing.rejection(agreement), **forms), status


@bp.get("/agreements/<int:agreement_id>/pdf")
@login_required
def pdf(agreement_id):
    """The final (sealed) PDF when there is one, else the current unsigned revision;
    ?original=1 gives the unsigned one anyway, ?download=1 as an attachment."""
    agreement = agreement_or_404(current_user, agreement_id)
    original = bool(request.args.get("original"))
    sha256 = agreement.served_sha256(original)
    if (unchanged := not_modified(sha256)) is not None:
        return unchanged
    data, final = agreement.served_pdf(original=original)
    suffix = "" if final else _("（待签署）") if agreement.state is not AgreementState.SEALED \
        else _("（未签署原件）")
    name = f"{agreement.number}{suffix}.pdf"
    response = send_file(io.BytesIO(data), mimetype="application/pdf",
                         as_attachment=bool(request.args.get("download")), download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return revalidated(response, sha256)


@bp.route("/agreements/<int:agreement_id>/sign", methods=["GET", "POST"])
@login_required
def sign(agreement_id):
    agreement = agreement_or_404(current_user, agreement_id)
    party = signing_party(current_user, agreement)
    if party is None:
        flash(_("该协议现在不需要您签署。"), "warning")
        return redirect(url_for(".detail", agreement_id=agreement.id))
    enterprise = agreement.case.enterprise
    has_seal = party == ENTERPRISE and enterprise.seal_image is not None
    # The position is the signer's to state: the login's user is often not the legal representative.
    form = SignForm(signer_name=current_user.name, use_seal=has_seal)
    if form.validate_on_submit():
        if not verify_reauth(current_user, form.password.data, form.code.data):
            form.password.errors.append(_("密码不正确（或动态验证码无效），未签署。"))
        elif _changed_meanwhile(agreement):
            return redirect(url_for(".detail", agreement_id=agreement.id))
        else:
            return _sign(agreement, form, has_seal and form.use_seal.data, enterprise)
    status = 422 if form.is_submitted() else 200
    return render_template("agreements/sign.html", agreement=agreement, case=agreement.case,
                           form=form, party=party, has_seal=has_seal), status


def _changed_meanwhile(agreement):
    """Re-render before signing: when the printed text changed, the signer reviews it first
    (a conflict on the way is flashed, and the signer starts again from the agreement page)."""
    changed = []
    with committing() as outcome:
        changed = agreements.recheck_before_signing(agreement, current_user)
    if changed and outcome.conflict is None:
        flash(_("协议内容已更新（原有签署已作废），请重新审阅后再签署。"), "warning")
    return bool(changed) or outcome.conflict is not None


def _sign(agreement, form, use_seal, enterprise):
    if attempt(agreements.sign, agreement, current_user,
               signer_name=form.signer_name.data.strip(),
               signer_title=form.signer_title.data.strip(), method=form.method.data,
               image=form.signature_png, seal_image=enterprise.seal_image if use_seal else None,
               ip_address=request.remote_addr or "",
               user_agent=request.user_agent.string or "") is None:
        flash(_("协议已签署完成并加盖电子签章，正式生效。") if agreement.state is AgreementState.SEALED
              else _("已签署，等待服务中心会签。"), "success")
    return redirect(url_for(".detail", agreement_id=agreement.id))


# --- on paper ---------------------------------------------------------------------

@bp.post("/agreements/<int:agreement_id>/paper")
@login_required
def paper_upload(agreement_id):
    agreement = agreement_or_404(current_user, agreement_id)
    form = PaperUploadForm()
    if not form.validate_on_submit():
        return render_detail(agreement, 422, upload_form=form)
    submit_once.claim(form)
    with committing(also=(UploadError,)) as outcome:
        paper_signing.upload_scan(agreement, current_user, form.scan.data)
        submit_once.lands_at(form, url_for(".detail", agreement_id=agreement.id))
    if outcome.refused is not None:
        form.scan.errors.append(str(outcome.refused))
        return render_detail(agreement, 422, upload_form=form)
    if outcome.conflict is None:
        flash(_("扫描件已上传，等待服务中心核对。"), "success")
    return redirect(url_for(".detail", agreement_id=agreement.id))


@bp.post("/agreements/<int:agreement_id>/paper/confirm")
@login_required
def paper_confirm(agreement_id):
    agreement = agreement_or_404(current_user, agreement_id)
    form = PaperConfirmForm()
    if not form.validate_on_submit():
        return render_detail(agreement, 422, confirm_form=form)
    if not verify_reauth(current_user, form.password.data, form.code.data):
        form.password.errors.append(_("密码不正确（或动态验证码无效），未确认。"))
        return render_detail(agreement, 422, confirm_form=form)
    return _paper_decision(agreement, lambda: paper_signing.confirm_scan(
        agreement, current_user, signer_name=form.signer_name.data.strip(),
        signer_title=form.signer_title.data.strip(), ip_address=request.remote_addr or "",
        user_agent=request.user_agent.string or ""), _("已确认纸质签署，等待服务中心会签。"))


@bp.post("/agreements/<int:agreement_id>/paper/reject")
@login_required
def paper_reject(agreement_id):
    agreement = agreement_or_404(current_user, agreement_id)
    form = PaperRejectForm()
    if not form.validate_on_submit():
        return render_detail(agreement, 422, reject_form=form)
    return _paper_decision(agreement, lambda: paper_signing.reject_scan(
        agreement, current_user, form.reason.data), _("已退回扫描件。"))


def _paper_decision(agreement, perform, done):
    if attempt(perform) is None:
        flash(done, "success")
    return redirect(url_for(".detail", agreement_id=agreement.id))
