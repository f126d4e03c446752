"""Stored files (Document rows): a case's files follow the case, a licence its enterprise and,
while it is evidence of an undecided claim, the claim."""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

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


# The kinds of file each side puts on a case: the enterprise its materials, the staff what the
# departments issued.
ENTERPRISE_KINDS = ("material", "correction")
STAFF_KINDS = ("permit", "receipt", "other")


def upload_kinds(user):
    """The kinds of document `user` may put on a case."""
    return ENTERPRISE_KINDS if user.is_enterprise else STAFF_KINDS


def can_add_documents(user, case):
    """Whoever sees a case adds files to it while it is open (`case` comes through a loader)."""
    return case.is_open


def visible_documents(user, case):
    """The files on `case` (loaded through case_or_404) as its page lists them, oldest first:
    whoever sees the case sees all of them."""
    return (select(Document).where(Document.case_id == case.id)
            .options(joinedload(Document.uploaded_by)).order_by(Document.created_at, Document.id))


def case_document_or_404(user, case_id, document_id):
    """A file on the case `case_id`, when `user` sees that case."""
    case = case_or_404(user, case_id)
    document = db.session.get(Document, document_id)
    if document is None or document.case_id != case.id:
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
