"""The delegation agreement's life: generate, regenerate, sign, seal, void (DESIGN.md §1 step 4);
signing on paper is in paper_signing.py, the clause template and the seals in
agreement_settings.py, items added later (supplements) in supplements.py.

Every verb takes the actor, moves the agreement along moves.AGREEMENT_MOVES (audited from → to)
and flushes; the view commits:

    awaiting_enterprise --sign (enterprise)--> awaiting_center --sign (center): seal--> sealed
    awaiting_enterprise --paper scan--> awaiting_paper_check --confirm--> awaiting_center
                                                              --reject--> awaiting_enterprise
    any open state --void--> void;  a regeneration sends an open one back to awaiting_enterprise.

A sealed agreement is immutable: nothing below changes it again. Sealing the agreement proper
starts the case's work (`start_work`, the case's "seal" move): the case verbs (cases.py) build
on this module, never the other way round.
"""
import hashlib
import secrets
from dataclasses import replace
from urllib.parse import quote

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

# The module, not its names: permissions imports workflow.assignment (until acts_for moves
# into permissions), so this module may be imported while permissions is half-initialised.
from proxy_service import permissions
from proxy_service.calendar import deadlines
from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.documents.agreement import render_agreement
from proxy_service.documents.agreement_content import SignatureView, SignedParts, content_of
from proxy_service.documents.seal import SealError, seal_pdf
from proxy_service.models import (
    Agreement,
    AgreementKind,
    AgreementState,
    Document,
    Signature,
)
from proxy_service.models.agreements import ENTERPRISE
from proxy_service.workflow.agreement_settings import current_template
from proxy_service.workflow.moves import (
    AGREEMENT_MOVES,
    CASE_MOVES,
    OPEN_AGREEMENT_STATES,
    _audit_event,
    _begin,
    _move,
    _void_signatures,
)

AS, AK = AgreementState, AgreementKind
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"   # no 0/O, 1/I/L: read off paper by people
NUMBER_SERIES = {AK.AGREEMENT: "DB", AK.SUPPLEMENT: "XB"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --- generation -----------------------------------------------------------------

def generate(case, actor, *, kind=AK.AGREEMENT, steps=None):
    """A new agreement (or supplement) covering `steps` (default: the case's uncovered steps)."""
    steps = [s for s in case.steps if s.agreement_id is None] if steps is None else steps
    parent = main_agreement(case) if kind is AK.SUPPLEMENT else None
    template = parent.template if parent else current_template(case.center)
    agreement = _begin(Agreement(
        case=case, kind=kind, number=_next_number(case.center, kind), verification_code=_code(),
        template=template, created_at=clock.now(), item_ids=",".join(str(s.item_id) for s in steps),
        unsigned_pdf=b"", unsigned_sha256=""), AS.AWAITING_ENTERPRISE, field="state")
    db.session.add(agreement)
    db.session.flush()
    for step in steps:
        step.agreement_id = agreement.id
    _store_unsigned(agreement, render_unsigned(agreement))
    _audit_event(actor, agreement, "agreement_generate", "", agreement.state,
                 agreement.number)
    db.session.flush()
    return agreement


def main_agreement(case):
    """The case's agreement proper (not a supplement) that is not void, or None."""
    return next((a for a in case.agreements
                 if a.kind is AK.AGREEMENT and a.state is not AS.VOID), None)


def open_agreements(case):
    return [a for a in case.agreements if a.state in OPEN_AGREEMENT_STATES]


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
        _void_signatures(agreement)
        agreement.signed_on_paper, agreement.paper_scan_id = False, None
        _change(agreement, "agreement_regenerate", actor,  # i18n-keep: audit record
                f"{agreement.number} 第{agreement.revision}版：{reason}".rstrip("："))
        changed.append(agreement)
    return changed


def recheck_before_signing(agreement, actor):
    """Re-render before `actor` signs: when the printed text changed meanwhile (say the
    enterprise's address), the new revision is stored, its signatures voided, and the signer
    must review it first. Returns the agreements that changed (refresh)."""
    return refresh(agreement.case, actor, _l("签署前核对发现协议内容已变化"))


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
        agreement.void_reason = reason or ""
        _change(agreement, "agreement_void", actor,  # i18n-keep: audit record
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


def _change(agreement, action, actor, comment):
    """Move `agreement` by `action` (an audit action: moves.AGREEMENT_MOVES) and flush."""
    _move(agreement, AGREEMENT_MOVES, action, actor, comment, field="state")
    db.session.flush()


def _audit(actor, agreement, action, comment=""):
    """An event that leaves the agreement's state as it is (the center's signature, which the
    seal follows at once; the enterprise's confirmed on paper)."""
    _audit_event(actor, agreement, action, comment=comment)
    db.session.flush()


# --- signing -------------------------------------------------------------------

def sign(agreement, actor, *, signer_name, signer_title, method, image=None, seal_image=None,
         ip_address="", user_agent=""):
    """Record `actor`'s signature on the current revision; the second one seals the agreement.

    `method` is "drawn" (with a PNG `image`) or "typed". The view has re-authenticated the
    actor. Raises TransitionError when the actor may not sign now, or when the center's seal
    cannot be applied."""
    party = permissions.signing_party(actor, agreement)
    if party is None:
        raise TransitionError(_l("您现在不能签署该协议。"))
    if method not in ("drawn", "typed") or (method == "drawn" and not image):
        raise TransitionError(_l("请手写签名或键入姓名。"))
    comment = _record(agreement, actor, party, signer_name=signer_name,
                      signer_title=signer_title, method=method,
                      image=image if method == "drawn" else None, seal_image=seal_image,
                      ip_address=ip_address, user_agent=user_agent)
    if party == ENTERPRISE:
        _change(agreement, "agreement_sign", actor, comment)
    else:
        _audit(actor, agreement, "agreement_sign", comment)
        finalize(agreement, actor)
    return agreement


def _record(agreement, actor, party, **fields):
    fields["user_agent"] = (fields.get("user_agent") or "")[:300]
    signature = Signature(agreement=agreement, party=party, user_id=actor.id,
                          signed_at=clock.now(), document_sha256=agreement.unsigned_sha256,
                          **fields)
    db.session.add(signature)
    db.session.flush()
    # The comment of its agreement_sign event, which the caller writes (a move or not).
    who = "企业方" if party == ENTERPRISE else "服务中心"  # i18n-keep: audit record
    return (f"{agreement.number} {who}签署："  # i18n-keep: audit record
            f"{fields['signer_name']}（{fields['signer_title']}）")


def finalize(agreement, actor):
    """Both parties signed: the final PDF with signatures, signing record and QR code, sealed
    with the center's digital seal; the case's work may start."""
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
        raise TransitionError(_l("服务中心的电子印章尚未配置，暂不能完成签署，请联系管理员。")) from err
    agreement.final_pdf, agreement.final_sha256 = data, sha256(data)
    agreement.sealed_at = sealed_at
    _change(agreement, "agreement_seal", actor, agreement.number)
    if agreement.kind is AK.AGREEMENT:
        start_work(agreement.case, actor)
    db.session.flush()


def start_work(case, actor):
    """The agreement is sealed: the case moves SIGNING → IN_PROGRESS (CASE_MOVES "seal") and
    its promised completion date is set."""
    _move(case, CASE_MOVES, "seal", actor)
    deadlines.start_case(case)
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
    return db.session.get(Document, agreement.paper_scan_id).sha256
