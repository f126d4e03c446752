"""After the load: what the database says about the writes and the cron jobs, as JSON.

    .venv/bin/python benchmarks/load/checks.py --run-id ID --records mix.json --out checks.json

Reads the database named by DATABASE_URL. Reports
- markers: each write the client saw succeed (a message or a step note carrying a unique
  marker) must be in `messages` exactly once and in the audit log exactly once, no marker
  may be there twice or without having been sent; a write still in flight when the run
  ended may be there once (counted as "unanswered");
- reads: every notification the client marked read has its read time;
- deadline alerts and their notifications: none twice for one step, level and due date;
- the outbox: how many rows were sent, retried or failed, and the message ids of the sent
  ones (the runner compares them with what the SMS gateway and the mail sink received);
- webhooks (with --webhooks-received, the receiver's counts): every delivery the database
  marks delivered received exactly once by webhook-id — none twice, none missing, no request
  failing the receiver's verification — and at least one delivered (loadlib.webhook_check).
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadlib  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from config import DevelopmentConfig
from proxy_service import create_app
from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    DeadlineAlert,
    DeliveryStatus,
    Message,
    Notification,
    OutboxMessage,
    WebhookDelivery,
)

DEADLINE_KINDS = ("step_yellow", "step_red")


def collect(run_id, confirmed, attempted, reads):
    pattern = f"%{loadlib.MARKER_PREFIX}-{run_id}-%"
    bodies = db.session.scalars(select(Message.body).where(Message.body.like(pattern))).all()
    comments = db.session.scalars(
        select(AuditEvent.comment).where(AuditEvent.comment.like(pattern))).all()
    in_messages = loadlib.marker_check(confirmed, attempted, bodies)
    in_audit = loadlib.marker_check(confirmed, attempted, comments)

    unread = db.session.scalars(select(Notification.id).where(
        Notification.id.in_(reads or [0]), Notification.read_at.is_(None))).all()

    alert_dups = db.session.execute(
        select(DeadlineAlert.step_id, DeadlineAlert.level, DeadlineAlert.due_on, func.count())
        .group_by(DeadlineAlert.step_id, DeadlineAlert.level, DeadlineAlert.due_on)
        .having(func.count() > 1)).all()
    notice_dups = db.session.execute(
        select(Notification.user_id, Notification.kind, Notification.text, func.count())
        .where(Notification.kind.in_(DEADLINE_KINDS))
        .group_by(Notification.user_id, Notification.kind, Notification.text)
        .having(func.count() > 1)).all()
    outbox = dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    sent = db.session.execute(select(OutboxMessage.channel, OutboxMessage.message_id)
                              .where(OutboxMessage.status == "sent")).all()
    retried = db.session.scalar(select(func.count()).where(OutboxMessage.attempts > 1))
    id_dups = db.session.scalar(select(func.count()).select_from(
        select(OutboxMessage.message_id).group_by(OutboxMessage.message_id)
        .having(func.count() > 1).subquery()))
    return {
        "confirmed_writes": len(set(confirmed)),
        "messages": _marker_report(in_messages),
        "audit": _marker_report(in_audit),
        "reads": {"confirmed": len(set(reads)), "still_unread": len(unread)},
        "deadline_alerts": db.session.scalar(select(func.count()).select_from(DeadlineAlert)),
        "deadline_alert_duplicates": len(alert_dups),
        "deadline_notifications": db.session.scalar(select(func.count()).where(
            Notification.kind.in_(DEADLINE_KINDS))),
        "deadline_notification_duplicates": len(notice_dups),
        "outbox": {"by_status": outbox, "retried": retried, "duplicate_ids": id_dups,
                   "sent_email": [m for c, m in sent if c == "email"],
                   "sent_sms": [m for c, m in sent if c == "sms"]},
    }


def webhooks(received):
    """The deliveries by status, and the comparison of the delivered ones with `received`
    (the receiver's {"received": {webhook-id: times}, "refused": {reason: times}})."""
    by_status = dict(db.session.execute(
        select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all())
    delivered = db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == DeliveryStatus.DELIVERED)).all()
    report = loadlib.webhook_check(delivered, received["received"],
                                   sum(received["refused"].values()))
    report |= {"by_status": {str(getattr(k, "value", k)): n for k, n in by_status.items()},
               "refused_reasons": received["refused"],
               "retried": db.session.scalar(select(func.count()).where(
                   WebhookDelivery.attempts > 1))}
    return report


def _marker_report(result):
    report = {key: len(values) for key, values in result.items()}
    report["examples"] = (result["missing"] + result["duplicated"] + result["unexpected"])[:5]
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--records", action="append", default=[],
                        help="a LOAD_RECORDS file of the run (repeatable)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--webhooks-received",
                        help="the webhook receiver's counts (JSON), to compare with the database")
    args = parser.parse_args(argv)
    confirmed, attempted, reads = [], [], []
    for path in args.records:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        confirmed += data["confirmed"]
        attempted += data["attempted"]
        reads += data["reads"]

    with create_app(DevelopmentConfig).app_context():
        report = collect(args.run_id, confirmed, attempted, reads)
        if args.webhooks_received:
            report["webhooks"] = webhooks(
                json.loads(Path(args.webhooks_received).read_text(encoding="utf-8")))
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
