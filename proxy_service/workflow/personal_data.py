"""A person's data on request: export (《个人信息保护法》第四十五条 查阅、复制、转移) and erasure
(第四十七条 删除), done by a manager of the center that answers for the person.

Who: the enterprise users of the enterprises registered with the manager's center, and people
whose claim on such an enterprise is on record (permissions.visible_people). Staff accounts
are not handled here.

Export: everything the system holds about the person, as one JSON document (profile, the
enterprise, messages written, documents uploaded, signatures given, notifications, claims,
cases naming them as contact, their own audit entries). Login history is not stored in the
database (login events go to the security log only), and the export says so.

Erasure: the account's personal fields are emptied (mobile, e-mail, username replaced, password
unusable, authenticator and recovery codes removed, every session ended, notification copies
off) and the account is disabled; their notifications and e-mail/SMS copies are deleted; the
mobile on their claims is emptied. Kept, with the person's name: agreements and signatures,
audit entries, and the case records (requests with their contact, messages, documents), which
the archives rules require to be kept (see the privacy notice for the periods). While the data
is still needed to perform an open delegation, erasure is refused with the reasons:
`retention_reasons()`.

Every export and erasure writes an audit event (who, whom, the reason given). Like the
workflow verbs, the functions take the actor, flush, and leave the commit to the view.
"""
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.core.i18n import join_list
from proxy_service.models import (
    Agreement,
    ApiToken,
    AuditEvent,
    Case,
    ClaimStatus,
    Document,
    EnterpriseClaim,
    IdempotencyKey,
    Message,
    Notification,
    OutboxMessage,
    RecoveryCode,
    Signature,
    SubmitToken,
)
from proxy_service.models.cases import FINAL_CASE_STATUSES
from proxy_service.workflow.moves import ACCOUNT_MOVES, _audit_event, _move

EXPORT_ACTION, ERASE_ACTION = "personal_data_export", "personal_data_erase"


class ErasureRefused(TransitionError):
    """Erasure is not possible now; `reasons` says why (shown to the manager, one by one)."""

    def __init__(self, reasons):
        super().__init__("；".join(str(r) for r in reasons))  # i18n-keep: for logs; pages list `reasons`
        self.reasons = reasons


# --- export -----------------------------------------------------------------------

def export(person, actor, reason):
    """The person's data as JSON bytes (UTF-8); the export is audited."""
    data = collect(person)
    data["exported"] = {"at": _iso(clock.now()), "by": actor.name,
                        "center": actor.center.name if actor.center else ""}
    _audit(actor, person, EXPORT_ACTION, reason)
    db.session.flush()
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def collect(person):
    """Everything held about `person`, as plain JSON-able values."""
    return {
        "profile": _profile(person),
        "enterprise": _enterprise(person),
        "login_history": {
            "stored": False,
            "note": str(_l("登录记录不保存在本系统数据库中，仅写入安全日志（保存六个月）。")),
            "failed_logins_in_a_row": person.failed_logins,
            "locked_until": _iso(person.locked_until),
        },
        "messages": _messages(person),
        "documents": _documents(person),
        "signatures": _signatures(person),
        "notifications": _notifications(person),
        "claims": _claims(person),
        "cases_as_contact": _cases_as_contact(person),
        "audit_entries": _own_audit_entries(person),
    }


def _profile(person):
    return {"name": person.name, "username": person.username, "role": person.role.value,
            "mobile": person.phone, "email": person.email, "active": person.active,
            "registered_at": _iso(person.created_at),
            "notify_by_email": person.notify_email, "notify_by_sms": person.notify_sms,
            "two_factor_enrolled": person.totp_enrolled_at is not None,
            "erased_at": _iso(person.erased_at)}


def _enterprise(person):
    """The person's enterprise; its registered contact only when that is the person (else
    it is a colleague's data, not the requester's)."""
    enterprise = person.enterprise
    if enterprise is None:
        return None
    found = {"name": enterprise.name, "uscc": enterprise.uscc,
             "registered_contact_is_this_person": _is_registered_contact(person)}
    if found["registered_contact_is_this_person"]:
        found.update(contact_person=enterprise.contact_person, contact_mobile=enterprise.mobile,
                     contact_email=enterprise.email)
    return found


def _is_registered_contact(person):
    enterprise = person.enterprise
    return bool(person.phone) and enterprise is not None and enterprise.mobile == person.phone


def _messages(person):
    rows = db.session.execute(select(Message, Case.number).join(Case, Message.case_id == Case.id)
                              .where(Message.author_id == person.id).order_by(Message.id))
    return [{"case": number, "at": _iso(m.created_at), "body": m.body} for m, number in rows]


def _documents(person):
    # Document's columns only: the file bytes stay where they are (the list is what is asked).
    rows = db.session.execute(select(
        Document.filename, Document.kind, Document.size, Document.sha256, Document.created_at,
        Case.number).outerjoin(Case, Document.case_id == Case.id)
        .where(Document.uploaded_by_id == person.id).order_by(Document.id))
    return [{"case": number, "filename": filename, "kind": kind, "size": size, "sha256": sha,
             "uploaded_at": _iso(at)} for filename, kind, size, sha, at, number in rows]


def _signatures(person):
    rows = db.session.execute(select(Signature, Agreement.number)
                              .join(Agreement, Signature.agreement_id == Agreement.id)
                              .where(Signature.user_id == person.id).order_by(Signature.id))
    return [{"agreement": number, "signed_at": _iso(s.signed_at), "signer_name": s.signer_name,
             "signer_title": s.signer_title, "method": s.method, "ip_address": s.ip_address,
             "user_agent": s.user_agent, "voided": s.voided} for s, number in rows]


def _notifications(person):
    rows = db.session.scalars(select(Notification).where(Notification.user_id == person.id)
                              .order_by(Notification.id))
    return [{"at": _iso(n.created_at), "text": n.text, "read_at": _iso(n.read_at)} for n in rows]


def _claims(person):
    rows = db.session.scalars(select(EnterpriseClaim).where(EnterpriseClaim.claimant_id == person.id)
                              .options(joinedload(EnterpriseClaim.enterprise))
                              .order_by(EnterpriseClaim.id))
    return [{"claimed_name": c.claimed_name, "enterprise": c.enterprise.name,
             "contact_person": c.contact_person, "mobile": c.mobile, "outcome": c.outcome.value,
             "submitted_at": _iso(c.created_at)} for c in rows]


def _cases_as_contact(person):
    if person.enterprise_id is None:
        return []
    rows = db.session.scalars(_contact_cases(person).order_by(Case.id))
    return [{"case": c.number, "contact_name": c.contact_name, "contact_mobile": c.contact_mobile,
             "submitted_at": _iso(c.submitted_at), "status": c.status.value} for c in rows]


def _own_audit_entries(person):
    rows = db.session.execute(select(AuditEvent, Case.number)
                              .outerjoin(Case, AuditEvent.case_id == Case.id)
                              .where(AuditEvent.actor_id == person.id).order_by(AuditEvent.id))
    return [{"at": _iso(e.at), "action": str(e.action_label), "case": number,
             "comment": e.comment} for e, number in rows if not e.internal]


def _contact_cases(person):
    """The person's enterprise's cases that name the person as contact (by mobile, else name)."""
    named = Case.contact_mobile == person.phone if person.phone else Case.contact_name == person.name
    return select(Case).where(Case.enterprise_id == person.enterprise_id, named)


# --- erasure ----------------------------------------------------------------------

def retention_reasons(person):
    """Why the person's data cannot be erased now (empty: it can)."""
    if person.erased_at is not None:
        return [_l("该用户的个人信息已于 %(at)s 删除。", at=person.erased_at.astimezone(
            clock.BEIJING).strftime("%Y-%m-%d %H:%M"))]
    reasons = []
    if person.enterprise_id is not None:
        open_cases = db.session.scalars(_contact_cases(person).where(
            Case.status.notin_(FINAL_CASE_STATUSES)).order_by(Case.id)).all()
        if open_cases:
            reasons.append(_l(
                "该用户是未办结代办案件 %(cases)s 的联系人：办理期间仍需其联系方式履行代办委托"
                "（《个人信息保护法》第十三条第一款第二项），案件办结或终止后方可删除。",
                cases=join_list(c.number for c in open_cases)))
        if _is_registered_contact(person):
            reasons.append(_l("该用户是企业登记的联系人：请企业先在“企业信息”中更换联系人和手机号码，"
                              "再删除其个人信息。"))
    pending = db.session.scalar(select(EnterpriseClaim.id).where(
        EnterpriseClaim.claimant_id == person.id,
        EnterpriseClaim.outcome == ClaimStatus.PENDING).limit(1))
    if pending is not None:
        reasons.append(_l("该用户的企业认领申请尚未处理：请先通过或驳回该申请。"))
    return reasons


def erase(person, actor, reason):
    """Erase the person's personal data (see the module docstring for what is kept).

    Raises ErasureRefused when retention_reasons() gives any reason.
    """
    reasons = retention_reasons(person)
    if reasons:
        raise ErasureRefused(reasons)
    # The account is deactivated whatever it was, audited on the manager's center's chain.
    _move(person, ACCOUNT_MOVES, ERASE_ACTION, actor, reason, field="active",
          center_id=actor.center_id)
    _blank_account(person)
    # API tokens go too: the secrets stop working and the addresses they were used from go,
    # with the answers kept for their idempotency keys.
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.token_id.in_(
        select(ApiToken.id).where(ApiToken.user_id == person.id))))
    for model in (ApiToken, Notification, OutboxMessage, RecoveryCode, SubmitToken):
        db.session.execute(delete(model).where(model.user_id == person.id))
    db.session.execute(update(EnterpriseClaim).where(EnterpriseClaim.claimant_id == person.id)
                       .values(mobile="").execution_options(synchronize_session=False))
    db.session.flush()


def _blank_account(person):
    person.username = f"erased-{person.id}"
    person.phone = person.email = ""
    person.password_hash = "!"   # no hash verifies against it: the password no longer works
    person.rotate_session_token()   # every open session ends now
    person.notify_email = person.notify_sms = False
    person.totp_secret = person.totp_enrolled_at = person.totp_last_step = None
    person.failed_logins, person.locked_until = 0, None
    if hasattr(person, "locale"):
        person.locale = None
    person.erased_at = clock.now()


def _audit(actor, person, action, reason):
    # on the manager's center's chain, not the global one
    return _audit_event(actor, person, action, comment=reason, center_id=actor.center_id)


def _iso(moment):
    return moment.isoformat() if moment is not None else None
