"""`flask webhooks deliver`: cron runs it every minute on any number of hosts (docs/deployment)."""
import click
from flask.cli import with_appcontext

from proxy_service.api.webhook_payloads import render
from proxy_service.workflow.webhooks import deliver_due


@click.group("webhooks")
def webhooks_cli():
    """Webhook deliveries."""


@webhooks_cli.command("deliver")
@with_appcontext
def deliver_command():
    """Send the due webhook deliveries (every minute from cron; safe on several hosts at once)."""
    stats = deliver_due(render)
    click.echo(f"delivered {stats['delivered']}, to retry {stats['retry']}, "
               f"failed {stats['failed'] + stats['gone']}, dropped {stats['dropped']}, "
               f"left for the next run {stats['unsent']}, expired leases {stats['released']}")
