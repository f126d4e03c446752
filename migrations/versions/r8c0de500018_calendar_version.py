"""the calendar's version

Revision ID: r8c0de500018
Revises: q7da5b000017
Create Date: 2026-12-15 10:00:00

Every change of a year's days advances calendar_years.version; their sum is the version of
the calendar that the status page's cached fragments are keyed by (calendar/workdays.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'r8c0de500018'
down_revision = 'q7da5b000017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calendar_years', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('calendar_years', schema=None) as batch_op:
        batch_op.drop_column('version')
