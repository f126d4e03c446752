"""filing rounds of steps, suspension periods of cases, the day work started

Revision ID: g7c0de300007
Revises: f6c0de200006
Create Date: 2026-12-06 19:03:17

Deadlines were computed once and their history overwritten: a refiling replaced the filing
date, a return kept no date, a resume cleared the suspension. step_rounds keeps each filing
(filed, returned with what to correct, decided) and case_suspensions each period, so that
every due date can be derived again under a changed calendar (deadlines.due_of).
"""
from alembic import op
import sqlalchemy as sa

import proxy_service.models.types


# revision identifiers, used by Alembic.
revision = 'g7c0de300007'
down_revision = 'f6c0de200006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_suspensions_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_suspensions'))
    )
    with op.batch_alter_table('case_suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_suspensions_case_id'), ['case_id'], unique=False)

    op.create_table('step_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=False),
    sa.Column('budget', sa.Integer(), nullable=False),
    sa.Column('budget_unit', sa.Enum('workday', 'calendar_day', name='limitunit', native_enum=False, length=20), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('correction_request', sa.Text(), nullable=False),
    sa.Column('remaining_workdays', sa.Integer(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('created_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['step_id'], ['steps.id'], name=op.f('fk_step_rounds_step_id_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_rounds')),
    sa.UniqueConstraint('step_id', 'number', name=op.f('uq_step_rounds_step_id'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('promised_workdays', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('promised_workdays')
        batch_op.drop_column('started_on')

    op.drop_table('step_rounds')
    with op.batch_alter_table('case_suspensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_suspensions_case_id'))

    op.drop_table('case_suspensions')
