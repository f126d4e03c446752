"""The transition tables of every state machine (DESIGN.md §3) and the one `_move` that
applies them: it refuses a move the table does not hold, audits from → to, and assigns the
state field. Only modules of this package call it.
"""
from flask_babel import lazy_gettext as _l

from proxy_service.audit.labels import ACTION_LABELS
from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    CaseStatus,
    ClaimStatus,
    RectificationStatus,
    StepStatus,
    Verification,
)
from proxy_service.models.cases import FINAL_CASE_STATUSES

CS, SS, RS = CaseStatus, StepStatus, RectificationStatus
# The attributes that hold a state: set by _move and _begin only (tests/test_architecture.py).
STATE_FIELDS = frozenset({"status", "state", "verification", "outcome", "active", "retired",
                          "voided"})
CASE_MOVES = {
    (CS.SUBMITTED, "accept"): CS.ACCEPTED,
    (CS.SUBMITTED, "decline"): CS.DECLINED,
    (CS.ACCEPTED, "assign"): CS.SIGNING,
    (CS.SIGNING, "seal"): CS.IN_PROGRESS,
    (CS.IN_PROGRESS, "suspend"): CS.SUSPENDED,
    (CS.SUSPENDED, "resume"): CS.IN_PROGRESS,
    (CS.IN_PROGRESS, "complete"): CS.COMPLETED,
    **{(status, "withdraw"): CS.TERMINATED for status in CS if status not in FINAL_CASE_STATUSES},
    **{(status, "terminate"): CS.TERMINATED for status in CS if status not in FINAL_CASE_STATUSES},
}
STEP_MOVES = {
    (SS.PENDING, "start"): SS.PREPARING,
    (SS.PREPARING, "submit"): SS.SUBMITTED,
    (SS.RETURNED, "submit"): SS.SUBMITTED,
    (SS.SUBMITTED, "return"): SS.RETURNED,
    (SS.SUBMITTED, "approve"): SS.APPROVED,
    (SS.SUBMITTED, "refuse"): SS.REFUSED,
    (SS.PENDING, "skip"): SS.NOT_REQUIRED,
    (SS.PREPARING, "skip"): SS.NOT_REQUIRED,
}
RECTIFICATION_MOVES = {
    (RS.OPEN, "respond"): RS.ANSWERED,
    (RS.ANSWERED, "appeal"): RS.APPEALED,
    (RS.APPEALED, "respond"): RS.CLOSED,
}

# An enterprise's licence check (Enterprise.verification): a manager may reject a verified
# enterprise later (a revoked licence) and restate a rejection with a new reason; a verified
# one is not verified again.
VERIFICATION_MOVES = {
    (Verification.PENDING, "verify"): Verification.VERIFIED,
    (Verification.REJECTED, "verify"): Verification.VERIFIED,
    **{(state, "reject"): Verification.REJECTED for state in Verification},
}
# A claim on a registered USCC (EnterpriseClaim.outcome) is decided once.
CLAIM_MOVES = {
    (ClaimStatus.PENDING, "approve"): ClaimStatus.APPROVED,
    (ClaimStatus.PENDING, "reject"): ClaimStatus.REJECTED,
}


def _move(obj, moves, action, actor, comment="", internal=False, audit_action=None, *,
          field="status", error=TransitionError, about=None):
    """Move `obj` by `action` along `moves` (a table {(from, action): to} over its `field`),
    audited from → to as `audit_action` (default: the action), on `about` (default: `obj`;
    a claim's decision is recorded on its enterprise). Raises `error` (a TransitionError)
    when the table holds no such move from the current state."""
    current = getattr(obj, field)
    target = moves.get((current, action))
    if target is None:
        raise error(_l("当前状态“%(status)s”下不能执行“%(action)s”。",
                       status=_label(current), action=ACTION_LABELS.get(action, action)))
    db.session.add(AuditEvent.record(actor, obj if about is None else about,
                                     audit_action or action, current, target, comment, internal))
    setattr(obj, field, target)
    return target


def _begin(obj, state, *, field="status"):
    """The one place a new object gets its first state (`state`, a start state of its table);
    the verb creating it audits the creation as it always has."""
    setattr(obj, field, state)
    return obj


def _fill(obj, values):
    """Write plain attributes (a form's fields, never a state field: those change by _move
    alone) and return the names whose value changed, in the order of `values`."""
    if refused := STATE_FIELDS & values.keys():
        raise ValueError(f"state fields change by _move only: {sorted(refused)}")
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _label(state):
    return getattr(state, "label", state)
