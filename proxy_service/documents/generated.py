"""Which generated notices apply to a case, and how to build each: used by the case page, the
download route and the dossier. A notice applies only once its event has happened."""
from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Agreement, AuditEvent, CaseStatus, Document
from ..models.agreements import AgreementKind, AgreementState
from . import notices


@dataclass(frozen=True)
class Generated:
    key: str              # in the URL: materials, completion, stop-<event id>, change-<assignment id>
    title: str
    filename: str
    at: object            # the date or time it refers to (for sorting and display)
    build: Callable[[], bytes]


def available(case):
    """The notices that apply to `case` now, oldest first."""
    found = []
    if case.accepted_at is not None and case.steps:
        comment = _accept_comment(case)
        found.append(Generated("materials", _l("一次性告知单"), f"{case.number}-一次性告知单.pdf",
                               case.accepted_at, lambda: notices.materials_notice(case, comment)))
    found += _stop_notices(case)
    found += _change_notices(case)
    if case.status is CaseStatus.COMPLETED:
        found.append(Generated("completion", _l("代办服务办结单"), f"{case.number}-代办服务办结单.pdf",
                               case.closed_at, lambda: notices.completion_form(case, _permits(case))))
    return sorted(found, key=lambda g: g.at)


def find(case, key):
    """The applicable notice with `key`, or None."""
    return next((g for g in available(case) if g.key == key), None)


def _events(case, *actions):
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.object_type == "case",
        AuditEvent.action.in_(actions)).order_by(AuditEvent.at, AuditEvent.id)).all()


def _accept_comment(case):
    events = _events(case, "accept")
    return events[-1].comment if events else ""


def _stop_notices(case):
    result = []
    for event in _events(case, "suspend", "terminate", "withdraw"):
        label = _l("中止通知书") if event.action == "suspend" else _l("终止通知书")
        name = "中止通知书" if event.action == "suspend" else "终止通知书"
        result.append(Generated(f"stop-{event.id}", label, f"{case.number}-{name}-{event.id}.pdf",
                                event.at, lambda event=event: notices.stop_notice(case, event)))
    return result


def sealed_agreement(case):
    """The case's first sealed agreement (not a supplement), or None."""
    return db.session.scalar(select(Agreement).where(
        Agreement.case_id == case.id, Agreement.kind == AgreementKind.AGREEMENT,
        Agreement.state == AgreementState.SEALED).order_by(Agreement.sealed_at).limit(1))


def _change_notices(case):
    """A re-assignment after the agreement was sealed gets a change notice (before sealing the
    agreement itself is regenerated instead)."""
    agreement = sealed_agreement(case)
    if agreement is None or agreement.sealed_at is None:
        return []
    result, previous = [], None
    for assignment in case.assignments:
        if previous is not None and assignment.assigned_at > agreement.sealed_at:
            result.append(Generated(
                f"change-{assignment.id}", _l("变更通知书"),
                f"{case.number}-变更通知书-{assignment.id}.pdf", assignment.assigned_at,
                lambda a=assignment, p=previous: notices.change_notice(case, a, p, agreement)))
        previous = assignment
    return result


def _permits(case):
    """The permits uploaded on the case, listed on the completion form's hand-over list."""
    return db.session.scalars(select(Document).where(
        Document.case_id == case.id, Document.kind == "permit")
        .options(joinedload(Document.step)).order_by(Document.created_at, Document.id)).all()
