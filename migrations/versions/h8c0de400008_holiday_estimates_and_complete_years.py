"""estimated holidays for the years not yet published; a year is entered when complete

Revision ID: h8c0de400008
Revises: g7c0de300007
Create Date: 2026-12-01 09:00:00

holidays.estimated marks a rest day derived from 《全国年节及纪念日放假办法》 rather than
published; calendar_years.complete says the year's whole schedule is in. The package's years
(2004-2026 at chinesecalendar 1.11.0) are complete, a manager's edits to them included; a year
a manager entered beyond them is not, until a manager marks it so (the banner says what is
missing). Each year after the package's through the year after next that has no schedule
gets its estimates here; later years get theirs from `flask calendar estimate` (cron).

The estimates come from the app's own rules (proxy_service.statutory_holidays, pure, no
models): they are the law's, the same for this migration as for the command.
"""
from alembic import op
import sqlalchemy as sa

from proxy_service.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'h8c0de400008'
down_revision = 'g7c0de300007'
branch_labels = None
depends_on = None

ESTIMATED = "estimated"
holidays = sa.table("holidays", sa.column("day", sa.Date), sa.column("kind", sa.String),
                    sa.column("name", sa.String), sa.column("estimated", sa.Boolean))
calendar_years = sa.table("calendar_years", sa.column("year", sa.Integer),
                          sa.column("source", sa.String), sa.column("complete", sa.Boolean),
                          sa.column("updated_at", UTCDateTime()))


def _estimates(last_packaged, taken):
    from proxy_service import clock
    from proxy_service.statutory_holidays import rest_rows
    from proxy_service.calendar_schedule import YEARS_AHEAD

    years = [year for year in range(last_packaged + 1, clock.today().year + YEARS_AHEAD + 1)
             if year not in taken]
    rows = [{"day": guess.day, "kind": "rest", "name": guess.name, "estimated": True}
            for year in years for guess in rest_rows(year)]
    return years, rows


def upgrade():
    from chinese_calendar import constants
    from proxy_service import clock

    with op.batch_alter_table('calendar_years', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complete', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimated', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    last_packaged = max(constants.holidays).year
    op.execute(calendar_years.update().where(calendar_years.c.year <= last_packaged)
               .values(complete=True))
    taken = {row[0] for row in op.get_bind().execute(sa.select(calendar_years.c.year))}
    years, rows = _estimates(last_packaged, taken)
    op.bulk_insert(calendar_years, [{"year": year, "source": ESTIMATED, "complete": False,
                                     "updated_at": clock.now()} for year in years])
    op.bulk_insert(holidays, rows)
    # The open deadlines these rest days touch move once, now (issue 13 item 2), audited and
    # notified like a manager's change. It runs the application's code: on an empty database
    # it reads two id queries and nothing more; with data, the tables it loads must be as the
    # models are, so a later migration that changes steps, cases or audit_events has to run
    # before this one touches them, or freeze this call.
    from proxy_service.deadline_recompute import recompute_in_migration
    recompute_in_migration(op.get_bind(), {row["day"] for row in rows})


def downgrade():
    op.execute(holidays.delete().where(holidays.c.estimated == sa.true()))
    op.execute(calendar_years.delete().where(calendar_years.c.source == ESTIMATED))
    with op.batch_alter_table('holidays', schema=None) as batch_op:
        batch_op.drop_column('estimated')
    with op.batch_alter_table('calendar_years', schema=None) as batch_op:
        batch_op.drop_column('complete')
