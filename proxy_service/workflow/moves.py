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
    RectificationStatus,
    StepStatus,
)
from proxy_service.models.audit_labels import ACTION_LABELS
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


def _move(obj, moves, action, actor, comment="", internal=False, audit_action=None, *,
          field="status", error=TransitionError, center_id=None):
    """Move `obj` by `action` along `moves` (a table {(from, action): to} over its `field`),
    audited from → to as `audit_action` (default: the action), on the chain of `center_id`
    when given (default: the object's own center). Raises `error` (a TransitionError) when
    the table holds no such move from the current state."""
    current = getattr(obj, field)
    target = moves.get((current, action))
    if target is None:
        raise error(_l("当前状态“%(status)s”下不能执行“%(action)s”。",
                       status=_label(field, current), action=ACTION_LABELS.get(action, action)))
    event = AuditEvent.record(actor, obj, audit_action or action, _word(field, current),
                              _word(field, target), comment, internal)
    if center_id is not None:
        event.center_id = center_id
    db.session.add(event)
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


def _word(field, state):
    """`state` as the audit log stores it: a boolean field's word, else the state itself."""
    return FLAG_STATES[field][state][0] if field in FLAG_STATES else state


def _label(field, state):
    if field in FLAG_STATES:
        return FLAG_STATES[field][state][1]
    return getattr(state, "label", state)
