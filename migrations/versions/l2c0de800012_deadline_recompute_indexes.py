"""indexes for the deadlines a calendar change moves

Revision ID: l2c0de800012
Revises: h8c0de400008
Create Date: 2026-12-07 09:00:00

deadline_recompute.calendar_changed finds the running steps and the open cases whose clock
spans a changed day by a range on their due / promised date, across every center.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'l2c0de800012'
down_revision = 'h8c0de400008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.create_index('ix_steps_status_due', ['status', 'due_on'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_status_promised', ['status', 'promised_on'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_promised')
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.drop_index('ix_steps_status_due')
