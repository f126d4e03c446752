"""Shell commands: flask --app wsgi seed-demo | seed-scale | create-center | create-user."""
import re

import click
from flask import current_app
from sqlalchemy import select

from proxy_service.admin.calendar_cli import calendar_cli
from proxy_service.api.webhook_cli import webhooks_cli
from proxy_service.audit.checkpoints import audit_cli
from proxy_service.core.backup import backup_cli
from proxy_service.core.extensions import db
from proxy_service.documents.seal import init_seal_command
from proxy_service.models import Center, Role, User
from proxy_service.notifications.jobs import check_deadlines_command, send_notifications_command
from proxy_service.seed.catalog import ensure_industries, seed_center_catalog
from proxy_service.seed.demo import DEMO_TOTP_SECRET, load_demo
from proxy_service.seed.scale.seed import seed_scale_command
from proxy_service.workflow.workload_counters import workloads_cli


def register(app):
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_center)
    app.cli.add_command(create_user)
    app.cli.add_command(init_seal_command)
    app.cli.add_command(send_notifications_command)
    app.cli.add_command(check_deadlines_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(calendar_cli)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(workloads_cli)


@click.command("seed-demo")
def seed_demo():
    """Load the demo centers, users, enterprises and cases (idempotent; never in production)."""
    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("seed-demo refuses to run under the production configuration")
    created = load_demo()
    click.echo("demo data loaded" if created else "demo data already present")
    click.echo(f"demo staff log in with a one-time code: add the TOTP secret {DEMO_TOTP_SECRET} "
               "to an authenticator app (password demo1234)")


# Case and agreement numbers start with the prefix: keep it short, plain and uppercase.
PREFIX_SHAPE = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")


@click.command("create-center")
@click.option("--name", required=True, help="full name, e.g. 山西转型综合改革示范区晋中开发区企业服务中心")  # i18n-keep: CLI help
@click.option("--short-name", required=True, help="short name shown in lists")
@click.option("--zone", required=True, help="the development zone it serves")
@click.option("--prefix", required=True, help="case/agreement number prefix, e.g. JZKFQ")
@click.option("--address", default="")
@click.option("--person", default="", help="person in charge (负责人)")  # i18n-keep: CLI help
@click.option("--phone", default="")
def create_center(name, short_name, zone, prefix, address, person, phone):
    """Create a center and give it the default catalogue of approval items and templates."""
    if not PREFIX_SHAPE.match(prefix):
        raise click.ClickException("the prefix must be 2-12 uppercase letters or digits (JZKFQ)")
    taken = db.session.scalar(select(Center).where(
        (Center.number_prefix == prefix) | (Center.name == name)))
    if taken is not None:
        raise click.ClickException(f"a center with that name or prefix exists: {taken.name}")
    center = Center(name=name, short_name=short_name, zone=zone, number_prefix=prefix,
                    address=address, person_in_charge=person, phone=phone)
    db.session.add(center)
    db.session.flush()
    ensure_industries()
    seed_center_catalog(center)
    db.session.commit()
    click.echo(f"created center {name} ({prefix}) with the default catalogue")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--name", required=True, help="display name (姓名)")  # i18n-keep: CLI help
@click.option("--role", type=click.Choice([Role.AGENT.value, Role.MANAGER.value]), required=True)
@click.option("--center", "center_prefix", required=True, help="the center's number prefix, e.g. JZKFQ")
@click.option("--phone", default="")
@click.password_option()
def create_user(username, name, role, center_prefix, phone, password):
    """Create a staff account (agent or manager) of a center."""
    center = db.session.scalar(select(Center).where(Center.number_prefix == center_prefix))
    if center is None:
        raise click.ClickException(f"no center with prefix {center_prefix}")
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"username {username} is taken")
    user = User(username=username, name=name, role=Role(role), center=center, phone=phone)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {username} in {center.name}")
