"""Enterprise registration: USCC checks, licence verification and claims on a taken USCC."""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError, check_version, require
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, ClaimStatus, EnterpriseClaim, Verification

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MOBILE_SHAPE = re.compile(r"^1[3-9]\d{9}$")
PROJECT_CODE_SHAPE = re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$")


def uscc_shape_ok(code: str) -> bool:
    return bool(USCC_SHAPE.match(code or ""))


def uscc_check_char(code: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of `code`."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_check_ok(code: str) -> bool:
    """Shape and check character both right. Some early legal codes fail the check."""
    return uscc_shape_ok(code) and uscc_check_char(code) == code[17]


def verify_enterprise(enterprise, actor, *, approve, note="", seen_version=None):
    """A manager confirms (or rejects) the enterprise against its uploaded licence."""
    check_version(enterprise, seen_version)
    if enterprise.verification is Verification.VERIFIED and approve:
        raise TransitionError(_l("该企业已核验。"))
    if not approve:
        require(note, _l("核验未通过须说明原因。"))
    target = Verification.VERIFIED if approve else Verification.REJECTED
    db.session.add(AuditEvent.record(actor, enterprise, "verify" if approve else "reject",
                                     enterprise.verification, target, note))
    enterprise.verification = target
    enterprise.verification_note = note or ""
    enterprise.verified_by_id, enterprise.verified_at = actor.id, clock.now()
    db.session.flush()


def resolve_claim(claim, actor, *, approve, note=""):
    """Approving moves the claimant into the registered enterprise; rejecting leaves it out."""
    if claim.outcome is not ClaimStatus.PENDING:
        raise TransitionError(_l("该认领申请已处理。"))
    if not approve:
        require(note, _l("驳回须说明原因。"))
    outcome = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
    # Decided only if still pending in the database: of two managers deciding at once, the
    # second finds it decided (PostgreSQL's row lock makes it wait for the first to commit).
    decided = db.session.execute(update(EnterpriseClaim).where(
        EnterpriseClaim.id == claim.id, EnterpriseClaim.outcome == ClaimStatus.PENDING)
        .values(outcome=outcome).execution_options(synchronize_session=False))
    if decided.rowcount != 1:
        raise TransitionError(_l("该认领申请已处理。"))
    claim.outcome = outcome
    claim.resolution_note, claim.resolved_by_id, claim.resolved_at = note or "", actor.id, clock.now()
    if approve:
        claim.claimant.enterprise_id = claim.enterprise_id
    db.session.add(AuditEvent.record(actor, claim.enterprise,  # i18n-keep: audit record
                                     "claim_approve" if approve else "claim_reject",
                                     ClaimStatus.PENDING, claim.outcome,
                                     f"{claim.claimant.username}：{note}"))
    db.session.flush()
