"""Stored files (Document rows): a case's files follow the case, a licence its enterprise and,
while it is evidence of an undecided claim, the claim."""
from flask import abort
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import ClaimStatus, Document, EnterpriseClaim, Role
from proxy_service.permissions.cases import case_or_404
from proxy_service.permissions.enterprises import enterprise_or_404, visible_claims


def document_or_404(user, document_id):
    """A document on a visible case, or the user's own enterprise's (or a visible) licence."""
    document = db.session.get(Document, document_id)
    if document is None:
        abort(404)
    if document.case_id is not None:
        case_or_404(user, document.case_id)
    elif document.enterprise_id is not None:
        enterprise_or_404(user, document.enterprise_id)
        if user.role is Role.ENTERPRISE and not _uploaded_within(document, user):
            abort(404)   # a claimant's licence filed under this enterprise is not its members' to see
        if user.is_staff and _hidden_claim_evidence(user, document):
            abort(404)
    else:
        abort(404)
    return document


def _hidden_claim_evidence(user, document):
    """A licence filed with a claim not (yet) approved belongs to the claim: staff who may not
    see the claim may not see it either. Approved, it is the enterprise's own licence."""
    evidence = select(EnterpriseClaim.id).where(EnterpriseClaim.licence_document_id == document.id,
                                                EnterpriseClaim.outcome != ClaimStatus.APPROVED)
    if db.session.scalar(evidence.limit(1)) is None:
        return False
    visible = visible_claims(user).where(EnterpriseClaim.licence_document_id == document.id)
    return db.session.scalar(visible.with_only_columns(EnterpriseClaim.id).limit(1)) is None


def _uploaded_within(document, user):
    uploader = document.uploaded_by
    return uploader is None or uploader.enterprise_id == user.enterprise_id
