"""The transition tables of every state machine (DESIGN.md §3) and the one `_move` that
applies them: it refuses a move the table does not hold, audits from → to, and assigns the
state field. Only modules of this package call it.
"""
from flask_babel import lazy_gettext as _l

from proxy_service.audit.labels import ACTION_LABELS
from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.models import (
    AgreementState,
    AuditEvent,
    CaseStatus,
    RectificationStatus,
    StepStatus,
)
from proxy_service.models.cases import FINAL_CASE_STATUSES

CS, SS, RS, AS = CaseStatus, StepStatus, RectificationStatus, AgreementState
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
# An agreement and a supplement (续办委托书) alike; the actions are their audit actions.
OPEN_AGREEMENT_STATES = (AS.AWAITING_ENTERPRISE, AS.AWAITING_PAPER_CHECK, AS.AWAITING_CENTER)
AGREEMENT_MOVES = {
    (AS.AWAITING_ENTERPRISE, "agreement_sign"): AS.AWAITING_CENTER,    # the enterprise, online
    (AS.AWAITING_ENTERPRISE, "agreement_paper_upload"): AS.AWAITING_PAPER_CHECK,
    (AS.AWAITING_PAPER_CHECK, "agreement_paper_confirm"): AS.AWAITING_CENTER,
    (AS.AWAITING_PAPER_CHECK, "agreement_paper_reject"): AS.AWAITING_ENTERPRISE,
    (AS.AWAITING_CENTER, "agreement_seal"): AS.SEALED,   # the center counter-signed: sealed
    # A new revision of the text is signed afresh; a case ended leaves nothing to sign.
    **{(state, "agreement_regenerate"): AS.AWAITING_ENTERPRISE for state in OPEN_AGREEMENT_STATES},
    **{(state, "agreement_void"): AS.VOID for state in OPEN_AGREEMENT_STATES},
}


def _move(obj, moves, action, actor, comment="", internal=False, audit_action=None, *,
          field="status", error=TransitionError):
    """Move `obj` by `action` along `moves` (a table {(from, action): to} over its `field`),
    audited from → to as `audit_action` (default: the action). Raises `error` (a
    TransitionError) when the table holds no such move from the current state."""
    current = getattr(obj, field)
    target = moves.get((current, action))
    if target is None:
        raise error(_l("当前状态“%(status)s”下不能执行“%(action)s”。",
                       status=_label(current), action=ACTION_LABELS.get(action, action)))
    db.session.add(AuditEvent.record(actor, obj, audit_action or action, current, target,
                                     comment, internal))
    setattr(obj, field, target)
    return target


def _begin(obj, state, *, field="status"):
    """The one place a new object gets its first state (`state`, a start state of its table);
    the verb creating it audits the creation as it always has."""
    setattr(obj, field, state)
    return obj


def _void_signatures(agreement):
    """The signatures given on an agreement's previous text no longer count. Part of its
    agreement_regenerate move, which the audit records (no event per signature)."""
    for signature in agreement.signatures:
        signature.voided = True


def _label(state):
    return getattr(state, "label", state)
