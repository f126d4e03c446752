"""The delegation agreement's life: generate, regenerate, sign, seal, void (DESIGN.md §1 step 4).

Like workflow verbs, every function here takes the actor, writes an AuditEvent and flushes;
the view commits. Agreement states (only this module assigns `.state`):

    awaiting_enterprise --sign (enterprise)--> awaiting_center --sign (center)--> sealed
    awaiting_enterprise --paper scan--> awaiting_paper_check --confirm--> awaiting_center
                                                              --reject--> awaiting_enterprise
    any open state --void--> void;  a regeneration sends an open one back to awaiting_enterprise.

A sealed agreement is immutable: nothing below changes it again.
"""
import hashlib
import secrets
from dataclasses import replace
from urllib.parse import quote

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.documents.agreement import render_agreement
from proxy_service.documents.agreement_content import SignatureView, SignedParts, content_of
from proxy_service.documents.default_clauses import DEFAULT_CLAUSES
from proxy_service.models import (
    Agreement,
    AgreementKind,
    AgreementState,
    AgreementTemplate,
    AuditEvent,
    Role,
    Signature,
)

AS, AK = AgreementState, AgreementKind
OPEN_STATES = (AS.AWAITING_ENTERPRISE, AS.AWAITING_PAPER_CHECK, AS.AWAITING_CENTER)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"   # no 0/O, 1/I/L: read off paper by people
NUMBER_SERIES = {AK.AGREEMENT: "DB", AK.SUPPLEMENT: "XB"}
ENTERPRISE, CENTER = "enterprise", "center"


def reauth_ok(user, password, code=None):
    """Whether `user` proved again who they are before signing: the password and, for users
    with two-factor login (staff), a one-time or recovery code. Failures count toward the
    account lockout (see identity/reauth.py)."""
    from proxy_service.identity.reauth import verify_reauth
    return verify_reauth(user, password, code)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --- clause templates -----------------------------------------------------------

def current_template(center):
    """The center's newest clause template; version 1 (the default text) is made on first use."""
    template = db.session.scalar(select(AgreementTemplate).where(
        AgreementTemplate.center_id == center.id).order_by(AgreementTemplate.version.desc()).limit(1))
    if template is None:
        template = AgreementTemplate(center_id=center.id, version=1, clauses=DEFAULT_CLAUSES)
        db.session.add(template)
        db.session.flush()
    return template


def save_template(center, actor, clauses):
    """A new version of the center's clauses; agreements already generated keep theirs."""
    latest = current_template(center)
    clauses = clauses.replace("\r\n", "\n").strip() + "\n"
    if clauses == latest.clauses:
        return latest
    template = AgreementTemplate(center_id=center.id, version=latest.version + 1,
                                 clauses=clauses, created_by_id=actor.id, created_at=clock.now())
    db.session.add(template)
    db.session.flush()
    db.session.add(AuditEvent.record(actor, template, "template_edit", comment=f"v{template.version}"))
    db.session.flush()
    return template


# --- generation -----------------------------------------------------------------

def generate(case, actor, *, kind=AK.AGREEMENT, steps=None):
    """A new agreement (or supplement) covering `steps` (default: the case's uncovered steps)."""
    steps = [s for s in case.steps if s.agreement_id is None] if steps is None else steps
    parent = main_agreement(case) if kind is AK.SUPPLEMENT else None
    template = parent.template if parent else current_template(case.center)
    agreement = Agreement(case=case, kind=kind, number=_next_number(case.center, kind),
                          verification_code=_code(), template=template, created_at=clock.now(),
                          item_ids=",".join(str(s.item_id) for s in steps),
                          state=AS.AWAITING_ENTERPRISE, unsigned_pdf=b"", unsigned_sha256="")
    db.session.add(agreement)
    db.session.flush()
    for step in steps:
        step.agreement_id = agreement.id
    _store_unsigned(agreement, render_unsigned(agreement))
    _audit(actor, agreement, "agreement_generate", agreement.number)
    return agreement


def main_agreement(case):
    """The case's agreement proper (not a supplement) that is not void, or None."""
    return next((a for a in case.agreements
                 if a.kind is AK.AGREEMENT and a.state is not AS.VOID), None)


def open_agreements(case):
    return [a for a in case.agreements if a.state in OPEN_STATES]


def agreement_items(agreement):
    """The approval items the agreement delegates, in the order of the case's steps."""
    wanted = {int(i) for i in agreement.item_ids.split(",") if i}
    return [s.item for s in agreement.case.steps if s.item_id in wanted]


def content(agreement):
    parent = main_agreement(agreement.case) if agreement.kind is AK.SUPPLEMENT else None
    return content_of(agreement, agreement_items(agreement), parent)


def render_unsigned(agreement):
    return render_agreement(content(agreement))


def refresh(case, actor, reason=""):
    """Re-render the case's open agreements; where the printed text changed, store the new
    revision and void the signatures given on the old one. Returns the agreements that changed."""
    changed, reason = [], in_record_language(reason)
    for agreement in open_agreements(case):
        data = render_unsigned(agreement)
        if sha256(data) == agreement.unsigned_sha256:
            continue
        agreement.revision += 1
        _store_unsigned(agreement, data)
        for signature in agreement.signatures:
            signature.voided = True
        agreement.signed_on_paper, agreement.paper_scan_id = False, None
        agreement.state = AS.AWAITING_ENTERPRISE
        _audit(actor, agreement, "agreement_regenerate",  # i18n-keep: audit record
               f"{agreement.number} 第{agreement.revision}版：{reason}".rstrip("："))
        changed.append(agreement)
    return changed


def voided_by_reassigning(case, agent):
    """The case's open agreements on which the enterprise has signed (or uploaded a paper scan)
    and whose printed text changes with `agent` as the responsible agent: what re-assigning
    the case to `agent` voids (refresh regenerates them). Renders each such agreement once."""
    voided = []
    for agreement in open_agreements(case):
        if agreement.state is AS.AWAITING_ENTERPRISE:
            continue   # nothing given yet: a new revision costs the enterprise nothing
        text = replace(content(agreement), agent_name=agent.name, agent_phone=agent.phone)
        if sha256(render_agreement(text)) != agreement.unsigned_sha256:
            voided.append(agreement)
    return voided


def void_open(case, actor, reason):
    """The case ended before its open agreements were sealed: they can no longer be signed."""
    for agreement in open_agreements(case):
        agreement.state, agreement.void_reason = AS.VOID, reason or ""
        _audit(actor, agreement, "agreement_void",  # i18n-keep: audit record
               f"{agreement.number}：{in_record_language(reason)}")


def _store_unsigned(agreement, data):
    agreement.unsigned_pdf, agreement.unsigned_sha256 = data, sha256(data)
    db.session.flush()


def _next_number(center, kind):
    """{prefix}-DB-{year}-{seq:06d}: the center's own series per kind and year."""
    prefix = f"{center.number_prefix}-{NUMBER_SERIES[kind]}-{clock.today().year}-"
    last = db.session.scalar(select(func.max(Agreement.number)).where(
        Agreement.number.like(prefix + "%")))
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:06d}"


def _code(length=8):
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _audit(actor, agreement, action, comment=""):
    db.session.add(AuditEvent.record(actor, agreement, action, comment=comment))
    db.session.flush()


# --- signing -------------------------------------------------------------------

def signing_party(user, agreement):
    """The party `user` may sign `agreement` for now ("enterprise" / "center"), or None."""
    case = agreement.case
    if agreement.state is AS.AWAITING_ENTERPRISE and user.role is Role.ENTERPRISE \
            and user.enterprise_id == case.enterprise_id:
        return ENTERPRISE
    if agreement.state is AS.AWAITING_CENTER and may_countersign(user, case):
        return CENTER
    return None


def may_countersign(user, case):
    """Per center setting: the case's assigned agent, or a manager of the center."""
    if user.center_id != case.center_id:
        return False
    if case.center.countersign_role == "agent":
        return user.role is Role.AGENT and case.agent_id == user.id
    return user.role is Role.MANAGER


def sign(agreement, actor, *, signer_name, signer_title, method, image=None, seal_image=None,
         ip_address="", user_agent=""):
    """Record `actor`'s signature on the current revision; the second one seals the agreement.

    `method` is "drawn" (with a PNG `image`) or "typed". Raises workflow.TransitionError when
    the actor may not sign now, or when the center's seal cannot be applied."""
    party = signing_party(actor, agreement)
    if party is None:
        raise workflow.TransitionError(_l("您现在不能签署该协议。"))
    if method not in ("drawn", "typed") or (method == "drawn" and not image):
        raise workflow.TransitionError(_l("请手写签名或键入姓名。"))
    _record(agreement, actor, party, signer_name=signer_name, signer_title=signer_title,
            method=method, image=image if method == "drawn" else None, seal_image=seal_image,
            ip_address=ip_address, user_agent=user_agent)
    if party == ENTERPRISE:
        agreement.state = AS.AWAITING_CENTER
        db.session.flush()
    else:
        finalize(agreement, actor)
    return agreement


def _record(agreement, actor, party, **fields):
    fields["user_agent"] = (fields.get("user_agent") or "")[:300]
    signature = Signature(agreement=agreement, party=party, user_id=actor.id,
                          signed_at=clock.now(), document_sha256=agreement.unsigned_sha256,
                          **fields)
    db.session.add(signature)
    db.session.flush()
    who = "企业方" if party == ENTERPRISE else "服务中心"  # i18n-keep: audit record
    _audit(actor, agreement, "agreement_sign",  # i18n-keep: audit record
           f"{agreement.number} {who}签署：{fields['signer_name']}（{fields['signer_title']}）")
    return signature


def finalize(agreement, actor):
    """Both parties signed: the final PDF with signatures, signing record and QR code, sealed
    with the center's digital seal; the case's work may start."""
    from proxy_service.documents.seal import SealError, seal_pdf
    signed = SignedParts(signatures=tuple(_view(s) for s in agreement.signatures),
                         unsigned_sha256=agreement.unsigned_sha256,
                         verify_url=verify_url(agreement), scan_sha256=_scan_sha(agreement))
    # One moment: the record keeps it, the seal states it (to the second, as a PDF dates).
    sealed_at = clock.now()
    try:
        data = seal_pdf(agreement.case.center, render_agreement(content(agreement), signed),
                        signed_at=sealed_at)
    except SealError as err:
        current_app.logger.error("cannot seal %s: %s", agreement.number, err)
        raise workflow.TransitionError(_l("服务中心的电子印章尚未配置，暂不能完成签署，请联系管理员。"))
    agreement.final_pdf, agreement.final_sha256 = data, sha256(data)
    agreement.state, agreement.sealed_at = AS.SEALED, sealed_at
    _audit(actor, agreement, "agreement_seal", agreement.number)
    if agreement.kind is AK.AGREEMENT:
        workflow.start_work(agreement.case, actor)
    db.session.flush()


def verify_url(agreement):
    base = current_app.config["PUBLIC_BASE_URL"]
    return (f"{base.rstrip('/')}/verify/{quote(agreement.number)}"
            f"?code={quote(agreement.verification_code)}")


def _view(signature):
    return SignatureView(
        party=signature.party, signer_name=signature.signer_name,
        signer_title=signature.signer_title, method=signature.method,
        signed_at=signature.signed_at, ip_address=signature.ip_address,
        document_sha256=signature.document_sha256, image=signature.image,
        seal_image=signature.seal_image, voided=signature.voided,
        checked_by=_checker(signature))


def _checker(signature):
    """On paper the signature is recorded by the staff member who checked the scan."""
    if signature.method != "paper" or signature.user is None:
        return ""
    return f"{signature.user.name}（{in_record_language(signature.user.role.label)}）"  # i18n-keep: PDF text


def _scan_sha(agreement):
    if not agreement.signed_on_paper or agreement.paper_scan_id is None:
        return ""
    from proxy_service.models import Document
    return db.session.get(Document, agreement.paper_scan_id).sha256
