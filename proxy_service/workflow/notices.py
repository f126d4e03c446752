"""Notices as issued (DESIGN.md §5, "what was issued stays as issued").

The workflow verbs call `on_accept`, `on_stop`, `on_assign` and `on_complete` in their own
transaction: the notice is rendered there, once, from the case as it stands at that moment,
numbered and dated, and its bytes are stored (document_blobs, by SHA-256); an audit event
names its number and digest, so the hash chain attests what was issued. Every download and
the dossier return those bytes. Corrections are later revisions (notice_corrections.py).
No row here is ever changed once written.
"""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language, record_language
from proxy_service.core.templating import wan
from proxy_service.documents import notices
from proxy_service.documents.notice_facts import (
    CaseHeader,
    ItemFacts,
    NoticeFacts,
    StepFacts,
    corrections_of,
)
from proxy_service.models import (
    Agreement,
    AgreementKind,
    AgreementState,
    Assignment,
    AuditEvent,
    Document,
    IssuedNotice,
    NoticeKind,
    NoticeOrigin,
    StepStatus,
)
from proxy_service.workflow.moves import _audit_event

NK = NoticeKind
STOP_ACTIONS = ("suspend", "terminate", "withdraw")


# --- issuing: called by the workflow verbs -----------------------------------------------

def on_accept(case, actor, comment=""):
    """The 一次性告知单 of a case just accepted (after the agent named on the accept form, if
    any, was assigned: it names them)."""
    return _issue(case, actor, NK.MATERIALS, materials_facts(case.accepted_at, comment))


def on_stop(case, actor):
    """The 中止通知书 or 终止通知书 of the suspension, termination or withdrawal just recorded."""
    event = _last_stop_event(case)
    kind = NK.SUSPEND if event.action == "suspend" else NK.TERMINATE
    return _issue(case, actor, kind, stop_facts(event), event_id=event.id)


def on_assign(case, actor, assignment):
    """The 代办员变更通知书 of a re-assignment after the case's agreement was sealed (before
    sealing the agreement itself is regenerated instead); None otherwise."""
    agreement = _sealed_agreement(case)
    if agreement is None:
        return None
    previous = db.session.scalar(select(Assignment).where(
        Assignment.case_id == case.id, Assignment.id < assignment.id)
        .options(joinedload(Assignment.agent)).order_by(Assignment.id.desc()).limit(1))
    facts = change_facts(assignment, agreement, previous.agent if previous else None)
    return _issue(case, actor, NK.CHANGE, facts, assignment_id=assignment.id)


def on_complete(case, actor):
    """The 代办服务办结单 of a case just completed."""
    return _issue(case, actor, NK.COMPLETION, _completion_facts(case))


def _issue(case, actor, kind, facts, **subject):
    seq = 1 + db.session.scalar(select(func.count(IssuedNotice.id)).where(
        IssuedNotice.case_id == case.id, IssuedNotice.kind == kind, IssuedNotice.revision == 1))
    with record_language():
        printed = NoticeFacts(kind=kind.value, number=notices.number(case.number, kind.value, seq),
                              issued_at=clock.now(), header=header_facts(case),
                              steps=tuple(step_facts(s) for s in case.steps), **facts)
    notice = store(case, actor, printed, seq=seq, **subject)
    _audit_event(actor, notice, "notice_issue",  # i18n-keep: audit record
                 comment=f"{in_record_language(notice.title)} "
                         f"{notice.number}，SHA-256 {notice.sha256}")
    db.session.flush()
    return notice


def store(case, actor, printed, *, seq, reason="", **subject):
    """Render `printed` (NoticeFacts) and store it as the case's notice `seq` of its kind, in
    the revision it names; flushes (IntegrityError when that revision exists already)."""
    notice = IssuedNotice(case=case, kind=NK(printed.kind), seq=seq,
                          revision=printed.revision, number=printed.number,
                          issued_at=printed.issued_at, issued_by_id=getattr(actor, "id", None),
                          reason=reason, origin=NoticeOrigin.ISSUED,
                          created_at=printed.issued_at, **subject)
    notice.data = notices.render(printed)
    db.session.add(notice)
    db.session.flush()
    return notice


# --- reading -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Listed:
    notice: IssuedNotice
    current: bool          # False: a later revision corrected it

    @property
    def filename(self):
        return filename(self.notice)


def filename(notice):
    """The notice's file name, for downloads and the dossier."""
    return notices.filename(notice.kind.value, notice.number, notice.revision)


def listed(case):
    """The case's notices, every revision, in the order they were first issued (revisions of
    one notice together, oldest first)."""
    rows = db.session.scalars(select(IssuedNotice).where(IssuedNotice.case_id == case.id)
                              .order_by(IssuedNotice.issued_at, IssuedNotice.id)).all()
    first, latest = {}, {}
    for row in rows:
        key = (row.kind, row.seq)
        first.setdefault(key, (row.issued_at, row.id))
        latest[key] = max(latest.get(key, 0), row.revision)
    rows.sort(key=lambda r: (first[(r.kind, r.seq)], r.revision))
    return [Listed(r, r.revision == latest[(r.kind, r.seq)]) for r in rows]


# --- the facts, from the case as it stands -----------------------------------------------

def header_facts(case):
    """The parties and the center as the notices print them (ORM rows or look-alikes)."""
    enterprise, project, center, agent = case.enterprise, case.project, case.center, case.agent
    return CaseHeader(
        case_number=case.number, enterprise_name=enterprise.name, uscc=enterprise.uscc,
        project_name=project.name, project_code=project.code or "", location=project.location,
        investment=wan(project.total_investment),
        contact=f"{case.contact_name} {case.contact_mobile}",
        agent_name=agent.name if agent else "", agent_phone=agent.phone if agent else "",
        center_name=center.name, center_address=center.address or "",
        center_phone=center.phone or "")


def item_facts(item):
    """An approval item as the notices print it (labels in the record language)."""
    return ItemFacts(name=item.name, department=item.department, mode=str(item.mode.label),
                     statutory=_limit(item.statutory_limit, item.statutory_unit),
                     promised=_limit(item.promised_limit, item.promised_unit),
                     materials=tuple(item.material_list))


def _limit(value, unit):
    return f"{value}{unit.label}" if value is not None else "—"


def step_facts(step):
    """A step as the notices print it (labels in the record language)."""
    filed, corrections = corrections_of(step.rounds)
    return StepFacts(item=item_facts(step.item), state=step.status.value,
                     state_label=str(step.status.label), by_commitment=step.by_commitment,
                     permit_no=step.permit_no, approved_on=step.approved_on,
                     refusal_reason=step.refusal_reason,
                     refusal_decision_no=step.refusal_decision_no,
                     refused_on=_refused_on(step),
                     not_required_reason=step.not_required_reason,
                     filed=filed, corrections=corrections)


def _refused_on(step):
    """The 不予许可日期 of a refused step: its last round's decision."""
    rounds = step.rounds
    return rounds[-1].decided_on if step.status is StepStatus.REFUSED and rounds else None


def materials_facts(accepted_at, comment):
    """What a 一次性告知单 says besides the case: when it was accepted, the accept form's note."""
    return dict(accepted_at=accepted_at, comment=comment or "")


def _completion_facts(case):
    permits = db.session.execute(select(Document.filename, Document.sha256).where(
        Document.case_id == case.id, Document.kind == "permit")
        .order_by(Document.created_at, Document.id)).all()
    return dict(accepted_at=case.accepted_at, closed_at=case.closed_at,
                permits=tuple((name, sha) for name, sha in permits))


def stop_facts(event):
    """What a 中止/终止通知书 says of its event (an AuditEvent or a row look-alike)."""
    return dict(action=event.action, event_at=event.at, reason=event.comment or "")


def change_facts(assignment, agreement, previous_agent):
    """What a 代办员变更通知书 says of `assignment` (assigned_at, reason), which replaced
    `previous_agent` (name, phone; None) under the sealed `agreement` (its number)."""
    old = previous_agent
    return dict(event_at=assignment.assigned_at, reason=assignment.reason or "",
                agreement_number=agreement.number,
                previous_agent=f"{old.name} {old.phone}" if old else "")


def _case_events(case, *actions):
    return select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.object_type == "case",
        AuditEvent.action.in_(actions)).order_by(AuditEvent.id.desc()).limit(1)


def _last_stop_event(case):
    return db.session.scalar(_case_events(case, *STOP_ACTIONS))


def _sealed_agreement(case):
    """The case's sealed agreement proper (not a supplement), or None."""
    return db.session.scalar(select(Agreement).where(
        Agreement.case_id == case.id, Agreement.kind == AgreementKind.AGREEMENT,
        Agreement.state == AgreementState.SEALED).order_by(Agreement.sealed_at).limit(1))
