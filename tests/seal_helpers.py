"""Helpers for the seal, verification, notice and dossier tests: development seals in a
temporary folder, and sealed Agreement rows built directly (independent of the signing flow)."""
import hashlib
import io
from datetime import UTC, datetime

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.documents.seal import init_center_seal, seal_pdf
from proxy_service.models import Agreement, AgreementTemplate, CaseStatus, Signature
from proxy_service.models.agreements import AgreementKind, AgreementState


def give_seal(center, folder):
    """The center's development seal, kept in `folder` for the whole session."""
    return init_center_seal(center, folder=folder / center.number_prefix)


def simple_pdf(*lines):
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for number, line in enumerate(lines or ("agreement",)):
        page.drawString(72, 760 - 20 * number, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _template(center):
    version = db.session.scalar(select(func.max(AgreementTemplate.version))
                                .where(AgreementTemplate.center_id == center.id)) or 0
    template = AgreementTemplate(center_id=center.id, version=version + 1, clauses="第一条 ……")
    db.session.add(template)
    db.session.flush()
    return template


def make_sealed_agreement(case, folder, *, on_paper=False, sealed_at=None, signed_at=None,
                          start_work=True):
    """Seal `case`'s agreement as the signing flow would leave it (both signatures, sealed final
    PDF), built directly so that these tests do not depend on the signing pages. The case's
    open agreement is used when it has one; `start_work` moves a SIGNING case on."""
    give_seal(case.center, folder)
    agreement = next((a for a in case.agreements if a.kind is AgreementKind.AGREEMENT
                      and a.state is not AgreementState.VOID), None)
    if agreement is None:
        agreement = Agreement(case=case, kind=AgreementKind.AGREEMENT,
                              number=f"{case.center.number_prefix}-DB-2026-{case.id:06d}",
                              verification_code="7K3F9QX2", template_id=_template(case.center).id)
        db.session.add(agreement)
    unsigned = simple_pdf(f"Agreement {agreement.number}", f"case {case.number}")
    final = seal_pdf(case.center, unsigned)
    agreement.unsigned_pdf, agreement.unsigned_sha256 = unsigned, hashlib.sha256(unsigned).hexdigest()
    agreement.final_pdf, agreement.final_sha256 = final, hashlib.sha256(final).hexdigest()
    agreement.state, agreement.signed_on_paper = AgreementState.SEALED, on_paper
    agreement.sealed_at = sealed_at or datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
    db.session.flush()
    signed_at = signed_at or datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    for party, user in (("enterprise", case.enterprise.users[0]), ("center", case.agent)):
        db.session.add(Signature(
            agreement=agreement, party=party, user_id=user.id, signer_name=user.name,
            method="paper" if on_paper else "typed", signed_at=signed_at,
            document_sha256=agreement.unsigned_sha256))
    if start_work and case.status is CaseStatus.SIGNING:
        workflow.start_work(case, case.agent)
    db.session.commit()
    return agreement
