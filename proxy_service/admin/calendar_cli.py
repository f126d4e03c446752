"""`flask calendar estimate`: the coming years' statutory holidays, estimated until published.
The cron side of the calendar page (admin/calendar.py), through the same workflow verbs.

Cron runs it daily (docs/deployment.md): on January 1st the year after next enters the window
and gets its estimates; a year with any schedule (the package's, a manager's, or earlier
estimates) is never touched. Safe on every host at once: the year's row is a primary key, so
a second run estimating the same year fails at its first flush and is rolled back.
"""
import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from proxy_service.calendar import schedule
from proxy_service.core.conflicts import committing
from proxy_service.workflow import calendar as calendar_changes

calendar_cli = AppGroup("calendar", help="The working-day calendar.")


@calendar_cli.command("estimate")
def estimate_command():
    """Estimate this year through the year after next, where no schedule exists yet."""
    years = schedule.estimate_years()
    for year in years:
        with committing(quiet=True, also=(IntegrityError,)) as outcome:
            days = calendar_changes.estimate_new_year(year)
        if outcome.refused is not None:
            click.echo(f"{year}: estimated by another run")
            continue
        click.echo(f"{year}: {len(days)} rest days estimated")
    if not years:
        click.echo("every year through the year after next has a schedule")
