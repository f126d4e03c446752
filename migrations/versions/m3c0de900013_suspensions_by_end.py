"""an index on the end of the suspension periods

Revision ID: m3c0de900013
Revises: k1c0de700011
Create Date: 2026-12-14 09:00:00

A calendar change moves the dates of the cases whose suspension ended on or after its first
day, wherever their due dates lie (deadline_recompute._paused_on_or_after): this index
finds those suspensions by a range, instead of reading every running step of every center.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'm3c0de900013'
down_revision = 'k1c0de700011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_suspensions', schema=None) as batch_op:
        batch_op.create_index('ix_case_suspensions_ended_on', ['ended_on'], unique=False)


def downgrade():
    with op.batch_alter_table('case_suspensions', schema=None) as batch_op:
        batch_op.drop_index('ix_case_suspensions_ended_on')
