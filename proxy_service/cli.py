"""Shell commands: flask --app wsgi seed-demo | create-user | seed-catalog."""
import click
from flask import current_app
from sqlalchemy import select

from .extensions import db
from .models import Center, Role, User


def register(app):
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)


@click.command("seed-demo")
def seed_demo():
    """Load the demo centers, users, enterprises and cases (idempotent; never in production)."""
    if not current_app.config.get("SEED_DEMO_ALLOWED"):
        raise click.ClickException("seed-demo refuses to run under the production configuration")
    from .demo import load_demo
    created = load_demo()
    click.echo("demo data loaded" if created else "demo data already present")


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--name", required=True, help="display name (姓名)")
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
