"""Signing on paper: the enterprise signs a printout (legal representative + red company seal),
someone uploads the scan, a staff member compares it with the original and confirms it —
recorded like an online signature (method "paper") — or rejects it with a reason. The
center then counter-signs and seals the original PDF; the scan stays on the case beside it.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from proxy_service import permissions
from proxy_service.core.conflicts import TransitionError, require
from proxy_service.core.extensions import db
from proxy_service.models import AgreementState, AuditEvent
from proxy_service.models.agreements import ENTERPRISE
from proxy_service.workflow.agreements import _audit, _change, _record
from proxy_service.workflow.documents import store_document

AS = AgreementState
# The events that decide whether a rejection still stands: a new upload or a new revision
# of the text replaces it.
PAPER_EVENTS = ("agreement_paper_upload", "agreement_paper_reject", "agreement_regenerate")


@dataclass(frozen=True)
class Rejection:
    at: datetime
    checker: str
    reason: str


def upload_scan(agreement, actor, upload):
    """Store the signed scan (PDF/JPG/PNG) as Document kind "agreement_scan" and queue it for
    checking. Raises TransitionError, uploads.UploadError."""
    if not permissions.can_upload_scan(actor, agreement):
        raise TransitionError(_l("现在不能上传该协议的纸质签署件。"))
    document = store_document(upload, kind="agreement_scan", uploader=actor, case=agreement.case)
    agreement.paper_scan_id = document.id
    _change(agreement, "agreement_paper_upload", actor,
            f"{agreement.number}：{document.filename}")  # i18n-keep: audit record
    return document


def confirm_scan(agreement, actor, *, signer_name, signer_title, ip_address="", user_agent=""):
    """The scan matches the original and bears the enterprise's signature and seal: recorded
    as the enterprise's signature (method "paper"). The view has re-authenticated the actor."""
    _check(agreement, actor)
    comment = _record(agreement, actor, ENTERPRISE, signer_name=signer_name,
                      signer_title=signer_title, method="paper", ip_address=ip_address,
                      user_agent=user_agent)
    _audit(actor, agreement, "agreement_sign", comment)
    agreement.signed_on_paper = True
    _change(agreement, "agreement_paper_confirm", actor, agreement.number)


def reject_scan(agreement, actor, reason):
    """The scan does not match (pages missing, no seal, another text): the enterprise must
    sign again; the rejected file stays among the case's documents."""
    _check(agreement, actor)
    reason = require(reason, _l("退回须说明原因。"))
    agreement.paper_scan_id = None
    _change(agreement, "agreement_paper_reject", actor,
            f"{agreement.number}：{reason}")  # i18n-keep: audit record


def _check(agreement, actor):
    if agreement.state is not AS.AWAITING_PAPER_CHECK \
            or not permissions.can_check_scan(actor, agreement.case):
        raise TransitionError(_l("现在不能核对该协议的纸质签署件。"))


def rejections(agreements, events, *, complete=True):
    """{agreement id: Rejection} of those of `agreements` whose scan was sent back, from their
    case's audit `events` (no query). complete=False: `events` are only the case's latest ones
    (the case page's timeline); an agreement awaiting the enterprise whose paper events are all
    older than those is looked up (one query each, rare)."""
    return {a.id: found for a in agreements
            if (found := rejection(a, events if complete or _tells(events, a) else None))
            is not None}


def _tells(events, agreement):
    """Whether `events` hold a paper event of `agreement` (then its latest one among them is
    its latest of all, `events` being the newest)."""
    return any(e.object_type == "agreement" and e.object_id == agreement.id
               and e.action in PAPER_EVENTS for e in events)


def rejection(agreement, events=None):
    """Why the latest paper scan was sent back, while the enterprise is to upload it again:
    None unless the agreement awaits the enterprise and its latest paper event is a rejection.
    `events`: the case's audit events when the caller has them (the case page), else one query."""
    if agreement.state is not AS.AWAITING_ENTERPRISE:
        return None
    if events is None:
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.case_id == agreement.case_id, AuditEvent.object_type == "agreement",
            AuditEvent.object_id == agreement.id, AuditEvent.action.in_(PAPER_EVENTS))).all()
    latest = max((e for e in events if e.object_type == "agreement" and e.object_id == agreement.id
                  and e.action in PAPER_EVENTS), key=lambda e: e.id, default=None)
    if latest is None or latest.action != "agreement_paper_reject":
        return None
    return Rejection(latest.at, latest.actor.name if latest.actor else "",
                     latest.detail(agreement.number))
