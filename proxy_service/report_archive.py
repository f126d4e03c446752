"""The monthly reports a center has issued (DESIGN.md §4, "what was issued stays as issued").

Once a month has ended its report PDF is stored the first time it is asked for, with its
SHA-256, and served as stored from then on; a manager may issue a new version, with a
reason, when the record was corrected; earlier versions stay and are listed. The verbs take
the PDF's bytes (the dashboard renders them), the actor, write an AuditEvent and flush; the
view commits.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from . import clock
from .extensions import db
from .guards import TransitionError, require
from .models import AuditEvent, MonthlyReport


def is_closed(month, today=None):
    """Whether the month starting on `month` has ended (its report is then issued once)."""
    today = today or clock.today()
    return (today.year, today.month) > (month.year, month.month)


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


def issue(center_id, month, actor, reason="", *, render):
    """Store the closed month's report as its next version: `render(version, issued_at)` gives
    the PDF's bytes. The first version needs no reason, a later one does (TransitionError
    without). Two managers issuing the same version at once: the second fails on the unique
    key (IntegrityError) when it flushes or commits."""
    if not is_closed(month):
        raise TransitionError(_l("本月尚未结束，月度报告不存档。"))
    number = (db.session.scalar(select(func.max(MonthlyReport.version)).where(
        MonthlyReport.center_id == center_id, MonthlyReport.month == month)) or 0) + 1
    reason = require(reason, _l("重新生成须说明原因。")) if number > 1 else (reason or "").strip()
    report = MonthlyReport(center_id=center_id, month=month, version=number, reason=reason,
                           issued_by_id=actor.id, issued_at=clock.now())
    report.data = render(number, report.issued_at)
    db.session.add(report)
    db.session.flush()
    db.session.add(AuditEvent.record(actor, report, "report_reissue" if number > 1 else "report_issue",
                                     comment=_audit_comment(report)))
    db.session.flush()
    return report


def _audit_comment(report):
    text = f"{report.month:%Y年%m月}月度报告第{report.version}版，SHA-256 {report.sha256}"  # i18n-keep: audit record
    return f"{text}；原因：{report.reason}" if report.reason else text  # i18n-keep: audit record
