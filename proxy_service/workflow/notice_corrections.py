"""Correcting an issued notice (DESIGN.md §5, "a correction is a new version with a reason").

A correction is the next revision of the same notice, issued now with its reason; the earlier
revisions stay stored and listed. It is about the same moment as the notice it corrects: the
steps, where each stood and who was the agent are read from the stored history as of that
moment (notice_history.CaseHistory, as for notices stored after the fact); only what is
corrected in place — the names, addresses and phone numbers of the enterprise, the project,
the center, the contact and the agent, the catalogue's texts — is taken as it is today. Where
the history cannot say (a notice reconstructed at the migration, steps moved without a trace),
the revision is made from today's data and says so in print.

Two corrections at once cannot both store the same revision: the unique key on (case, kind,
seq, revision) refuses the second, and that is a StaleEdit. Nothing else is locked: the case
itself does not change, so nobody's open form on it turns stale.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from proxy_service.core import clock
from proxy_service.core.conflicts import StaleEdit, require
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language, record_language
from proxy_service.documents import notices
from proxy_service.documents.notice_facts import NoticeFacts
from proxy_service.models import AuditEvent, IssuedNotice, NoticeKind, NoticeOrigin
from proxy_service.workflow import notice_history
from proxy_service.workflow.moves import _audit_event
from proxy_service.workflow.notices import header_facts, step_facts, stop_facts, store


def correct(notice, actor, reason, seen_revision=None):
    """Issue the next revision of `notice` with `reason`, as of the notice's own moment (see
    above); flushes. Raises TransitionError without a reason, StaleEdit when `notice` is not
    the latest revision, or another correction stored the next one meanwhile."""
    reason = require(reason, _l("更正须说明原因。"))
    latest = _latest_revision(notice)
    if notice.revision != latest or (seen_revision is not None and int(seen_revision) != latest):
        raise StaleEdit(notice)
    with record_language():
        printed = NoticeFacts(kind=notice.kind.value, number=notice.number, issued_at=clock.now(),
                              revision=latest + 1, correction=reason, **_as_of_the_notice(notice))
    try:
        corrected = store(notice.case, actor, printed, seq=notice.seq, reason=reason,
                          event_id=notice.event_id, assignment_id=notice.assignment_id)
    except IntegrityError as err:
        raise StaleEdit(notice) from err
    _audit_event(actor, notice.case, "notice_correct",  # i18n-keep: audit record
                 comment=f"{in_record_language(notice.title)} {notice.number} "
                         f"第{corrected.revision}版，SHA-256 {corrected.sha256}；"
                         f"原因：{reason}")
    db.session.flush()
    return corrected


def _latest_revision(notice):
    return db.session.scalar(select(func.max(IssuedNotice.revision)).where(
        IssuedNotice.case_id == notice.case_id, IssuedNotice.kind == notice.kind,
        IssuedNotice.seq == notice.seq))


def _as_of_the_notice(notice):
    """The NoticeFacts fields of `notice` but its number, date and revision: its own facts
    (the suspension, the change, ...), the case header and the steps as of its moment; or,
    where the history cannot say, as of today with the remark that says so."""
    history = notice_history.CaseHistory(db.session.connection(), notice.case_id)
    # A verb issued it at issued_at, after all its request did; the migration dated it by
    # its event (notice_history.SAME_REQUEST); a reconstructed one has no known moment.
    exact, remark = notice.origin is NoticeOrigin.ISSUED, ""
    try:
        if notice.origin is NoticeOrigin.RECONSTRUCTED:
            raise notice_history.CannotSay("reconstructed: its moment is unknown")
        case, steps = history.as_of(notice.issued_at, notice.kind.value, exact=exact)
    except notice_history.CannotSay:
        case, steps = history.current()
        remark = notices.CORRECTED_FROM_TODAY_REMARK
    return dict(header=header_facts(case), steps=tuple(step_facts(s) for s in steps),
                remark=remark, **_own_facts(notice, history, exact))


def _own_facts(notice, history, exact):
    """What the notice says of its own subject, which no correction changes."""
    if notice.kind is NoticeKind.SUSPEND or notice.kind is NoticeKind.TERMINATE:
        return stop_facts(db.session.get(AuditEvent, notice.event_id))
    if notice.kind is NoticeKind.CHANGE:
        return history.change_facts(notice.assignment_id)
    if notice.kind is NoticeKind.COMPLETION:
        return history.completion_facts(until=notice.issued_at if exact else None)
    return history.materials_facts()
