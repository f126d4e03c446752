"""The monthly reports a center has issued (DESIGN.md §4, "what was issued stays as issued").

Once a month has ended its report PDF is stored the first time it is asked for, with its
SHA-256, and served as stored from then on; a manager may issue a new version, with a
reason, when the record was corrected; earlier versions stay and are listed. Only the months
of the center's records have a report: none before its first case or account, none to come.
The verb, `issue`, takes the actor and a `render(version, issued_at)` callback that gives the
PDF's bytes (the dashboard renders them), writes an AuditEvent and flushes; the view commits.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from proxy_service.core import clock
from proxy_service.core.conflicts import StaleEdit, TransitionError, require
from proxy_service.core.extensions import db
from proxy_service.models import Case, MonthlyReport, User
from proxy_service.workflow.moves import _audit_event

NEWER_VERSION = _l("该月报告刚刚已有新的版本，请先查看后再决定是否重新生成。")


@dataclass(frozen=True)
class Months:
    """The center's months that have a report, by their first days: from its `first` to the
    running month (`last`). A month in it before the running one is closed: its report is
    issued once and stored."""
    first: date
    last: date

    def __contains__(self, month):
        return self.first <= month <= self.last

    def closed(self, month):
        return self.first <= month < self.last


def months(center_id):
    """The center's Months. They begin with its first case or its first account, whichever
    came first (the center row has no date of its own; a center that brought its earlier
    cases in has cases older than its accounts); one query."""
    earliest = [first for first in db.session.execute(select(
        select(func.min(Case.submitted_at)).where(Case.center_id == center_id).scalar_subquery(),
        select(func.min(User.created_at)).where(User.center_id == center_id).scalar_subquery(),
    )).one() if first is not None]
    last = clock.today().replace(day=1)
    first = clock.local_date(min(earliest)).replace(day=1) if earliest else last
    return Months(min(first, last), last)


def versions(center_id, month):
    """The issued versions of the month's report with who issued them, newest first; one
    query."""
    return db.session.scalars(select(MonthlyReport).where(
        MonthlyReport.center_id == center_id, MonthlyReport.month == month)
        .options(joinedload(MonthlyReport.issued_by))
        .order_by(MonthlyReport.version.desc())).all()


def latest(center_id, month):
    """The version served for the month (None before the first is issued); one query."""
    return db.session.scalar(select(MonthlyReport).where(
        MonthlyReport.center_id == center_id, MonthlyReport.month == month)
        .order_by(MonthlyReport.version.desc()).limit(1))


def issue(center_id, month, actor, reason="", *, render, seen_version=None):
    """Store the closed month's report as its next version: `render(version, issued_at)` gives
    the PDF's bytes. The first version needs no reason, a later one does (TransitionError
    without). StaleEdit when the latest version is not `seen_version` (the one the page
    listed; None compares nothing), or when another request stored this version meanwhile
    (the unique key)."""
    if not months(center_id).closed(month):
        raise TransitionError(_l("该月份没有可存档的月度报告。"))
    number = (db.session.scalar(select(func.max(MonthlyReport.version)).where(
        MonthlyReport.center_id == center_id, MonthlyReport.month == month)) or 0) + 1
    if seen_version is not None and number - 1 != int(seen_version):
        raise StaleEdit(None, NEWER_VERSION)
    reason = require(reason, _l("重新生成须说明原因。")) if number > 1 else (reason or "").strip()
    report = MonthlyReport(center_id=center_id, month=month, version=number, reason=reason,
                           issued_by_id=actor.id, issued_at=clock.now())
    report.data = render(number, report.issued_at)
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError as err:
        raise StaleEdit(report, NEWER_VERSION) from err
    _audit_event(actor, report, "report_reissue" if number > 1 else "report_issue",
                 comment=_audit_comment(report))
    db.session.flush()
    return report


def _audit_comment(report):
    text = f"{report.month:%Y年%m月}月度报告第{report.version}版，SHA-256 {report.sha256}"  # i18n-keep: audit record
    return f"{text}；原因：{report.reason}" if report.reason else text  # i18n-keep: audit record
