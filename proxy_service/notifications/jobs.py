"""The cron commands: `flask send-notifications` (every few minutes) and `flask check-deadlines`.

Both are safe to run on several hosts at once: the outbox is leased row by row, and a
deadline alert is recorded under a unique key before anyone is told.
"""
import logging
from collections import Counter

import click
from flask import current_app
from flask.cli import with_appcontext

from proxy_service.core.extensions import db
from proxy_service.notifications import outbox
from proxy_service.notifications.deadline_alerts import check_deadlines
from proxy_service.notifications.transports import (
    is_permanent,
    mailer_from_config,
    sms_sender_from_config,
)

log = logging.getLogger(__name__)


def send_notifications(*, mailer=None, sms=None, batch=None, token=None):
    """Deliver every due outbox row once; returns a Counter of sent / retry / failed.

    Delivery happens outside any transaction: no row lock is held while a server talks.
    """
    config = current_app.config
    mailer = mailer or mailer_from_config(config)
    sms = sms or sms_sender_from_config(config)
    token = token or outbox.lease_token()
    stats = Counter(released=outbox.release_expired_leases())
    try:
        while messages := outbox.claim(batch or config["OUTBOX_BATCH"], token):
            for message in messages:
                stats[_deliver(message, token, mailer, sms)] += 1
    finally:
        mailer.close()
    return stats


def _deliver(message, token, mailer, sms):
    transport = mailer if message.channel == "email" else sms
    try:
        transport.send(message)
    except Exception as error:  # noqa: BLE001
        # Whatever one message's failure (network, refusal, a provider's odd answer), it
        # stays queued with the error recorded, and the run goes on with the others.
        log.warning("outbox %s to %s failed (attempt %s): %s", message.id, message.channel,
                    message.attempts, error)
        outbox.mark_failed(message, token, error, permanent=is_permanent(error))
        return "failed" if is_permanent(error) else "retry"
    outbox.mark_sent(message.id, token)
    return "sent"


@click.command("send-notifications")
@click.option("--batch", type=int, default=None, help="rows leased at a time (OUTBOX_BATCH)")
@with_appcontext
def send_notifications_command(batch):
    """Send the queued e-mails and SMS (run by cron every few minutes, on any number of hosts)."""
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not set: e-mails are written to the log", err=True)
    stats = send_notifications(batch=batch)
    click.echo(f"sent {stats['sent']}, to retry {stats['retry']}, failed {stats['failed']}, "
               f"expired leases returned {stats['released']}")


@click.command("check-deadlines")
@with_appcontext
def check_deadlines_command():
    """Raise the yellow/red notifications for steps near or past their due date (hourly)."""
    raised = check_deadlines()
    db.session.commit()
    click.echo(f"deadline alerts raised: {raised}")
