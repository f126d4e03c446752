"""Agreements (scope cases:read): a case's, one by its id, and its PDF — the file its page
serves. Loaded through permissions.agreement_or_404 / case_or_404: another enterprise's or
another center's agreement is 404."""
import io

from flask import send_file
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from proxy_service import permissions
from proxy_service.api import bp, present, schemas
from proxy_service.api.guard import caller, scope_required
from proxy_service.core.downloads import not_modified, revalidated
from proxy_service.core.extensions import db
from proxy_service.models import Agreement

# i18n-keep: the contract (OpenAPI) is one document, written in Chinese
PDF_RESPONSE = {"type": "string", "format": "binary", "description": "协议 PDF（The agreement's PDF）"}


@bp.route("/cases/<int:case_id>/agreements", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.AgreementList)
def list_agreements(case_id):
    """案件的协议（A case's agreements and supplements）"""
    case = permissions.case_or_404(caller(), case_id)
    agreements = db.session.scalars(select(Agreement).where(Agreement.case_id == case.id)
                                    .options(selectinload(Agreement.signatures))
                                    .order_by(Agreement.id)).all()
    return {"items": [present.agreement_out(agreement) for agreement in agreements]}


@bp.route("/agreements/<int:agreement_id>", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.AgreementOut)
def get_agreement(agreement_id):
    """协议（An agreement: state, number, signed and sealed times）"""
    return present.agreement_out(permissions.agreement_or_404(caller(), agreement_id))


@bp.route("/agreements/<int:agreement_id>/pdf", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, PDF_RESPONSE, content_type="application/pdf")
def agreement_pdf(agreement_id):
    """协议 PDF（The agreement's PDF, as its page serves it）

    已盖章生效的终稿；尚未生效时为当前待签署版本（the sealed final, else the current
    unsigned revision）。"""
    agreement = permissions.agreement_or_404(caller(), agreement_id)
    sha256 = agreement.served_sha256()
    if (unchanged := not_modified(sha256)) is not None:
        return unchanged
    data, final = agreement.served_pdf()
    name = f"{agreement.number}.pdf" if final else f"{agreement.number}-unsigned.pdf"
    return revalidated(send_file(io.BytesIO(data), mimetype="application/pdf",
                                 as_attachment=True, download_name=name), sha256)
