"""The transition tables of every state machine (DESIGN.md §3) and the one `_move` that
applies them: it refuses a move the table does not hold, audits from → to, and assigns the
state field. Only modules of this package call it.
"""
from flask_babel import lazy_gettext as _l

from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.models import (
    AgreementState,
    AuditEvent,
    CaseStatus,
    ClaimStatus,
    EndpointState,
    RectificationStatus,
    StepStatus,
    Verification,
)
from proxy_service.models.audit_labels import ACTION_LABELS
from proxy_service.models.cases import FINAL_CASE_STATUSES
from proxy_service.workflow import revision

CS, SS, RS, AS = CaseStatus, StepStatus, RectificationStatus, AgreementState
# The attributes that hold a state: set by _move and _begin only (tests/test_architecture.py).
STATE_FIELDS = frozenset({"status", "state", "verification", "outcome", "active", "retired",
                          "voided"})
CASE_MOVES = {
    (CS.SUBMITTED, "accept"): CS.ACCEPTED,
    (CS.SUBMITTED, "decline"): CS.DECLINED,
    (CS.ACCEPTED, "assign"): CS.SIGNING,
    # Another agent takes over: the status stays (cases.assign_agent regenerates what is unsealed).
    **{(status, "reassign"): status for status in (CS.SIGNING, CS.IN_PROGRESS, CS.SUSPENDED)},
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
# A staff or enterprise account (User.active): a manager deactivates and activates staff;
# erasing a person's data (personal_data.py) deactivates the account whatever it was.
ACCOUNT_MOVES = {
    (True, "user_deactivate"): False,
    (False, "user_activate"): True,
    (True, "personal_data_erase"): False,
    (False, "personal_data_erase"): False,
}
# A catalogue entry, approval item or case template (.retired): retired, never deleted (old
# cases keep pointing at it), and reinstated.
ITEM_MOVES = {
    (False, "retire"): True,
    (True, "unretire"): False,
}
# Two-state fields are booleans: the word the audit log stores for each state (from → to),
# and how a refusal names it.
FLAG_STATES = {
    "active": {True: ("active", _l("账号已启用")), False: ("inactive", _l("账号已停用"))},
    "retired": {True: ("retired", _l("已停用")), False: ("in_use", _l("在用"))},
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

# A webhook endpoint (WebhookEndpoint.state): delivery outcomes move it (the last retry of an
# event failed; a later delivery succeeded; the receiver answered 410 Gone), and its owner
# switches it off and on.
ES = EndpointState
ENDPOINT_MOVES = {
    (ES.ACTIVE, "webhook_failing"): ES.FAILING,
    (ES.FAILING, "webhook_recovered"): ES.ACTIVE,
    **{(state, "webhook_gone"): ES.DISABLED for state in (ES.ACTIVE, ES.FAILING)},
    **{(state, "webhook_disable"): ES.DISABLED for state in (ES.ACTIVE, ES.FAILING)},
    (ES.DISABLED, "webhook_enable"): ES.ACTIVE,
}


def _move(obj, moves, action, actor, comment="", internal=False, audit_action=None, *,
          field="status", error=TransitionError, center_id=None, about=None):
    """Move `obj` by `action` along `moves` (a table {(from, action): to} over its `field`),
    audited from → to as `audit_action` (default: the action), on `about` (default: `obj`;
    a claim's decision is recorded on its enterprise), on the chain of `center_id` when given
    (default: that object's own center). Raises `error` (a TransitionError) when the table
    holds no such move from the current state."""
    current = getattr(obj, field)
    target = moves.get((current, action))
    if target is None:
        raise error(_l("当前状态“%(status)s”下不能执行“%(action)s”。",
                       status=_label(field, current), action=ACTION_LABELS.get(action, action)))
    _audit_event(actor, obj if about is None else about, audit_action or action,
                 _word(field, current), _word(field, target), comment, internal,
                 center_id=center_id)
    setattr(obj, field, target)
    return target


def _audit_event(actor, obj, action, from_status="", to_status="", comment="", internal=False,
                 *, center_id=None):
    """Add and return the AuditEvent of a change to `obj` (AuditEvent.record's arguments; on
    the chain of `center_id` when given), advancing the revision of the case it is on, if any
    (revision.touch). Every verb audits through here or _move, so an audited change of a case
    always advances its revision. The event is append-only once flushed: nothing is set on it
    afterwards."""
    event = AuditEvent.record(actor, obj, action, from_status, to_status, comment, internal)
    if center_id is not None:
        event.center_id = center_id
    db.session.add(event)
    revision.touch([event.case_id])
    return event


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


def _word(field, state):
    """`state` as the audit log stores it: a boolean field's word, else the state itself."""
    return FLAG_STATES[field][state][0] if field in FLAG_STATES else state


def _label(field, state):
    if field in FLAG_STATES:
        return FLAG_STATES[field][state][1]
    return getattr(state, "label", state)


def _fill(obj, values):
    """Write plain attributes (a form's fields, never a state field: those change by _move
    alone) and return the names whose value changed, in the order of `values`."""
    if refused := STATE_FIELDS & values.keys():
        raise ValueError(f"state fields change by _move only: {sorted(refused)}")
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed
