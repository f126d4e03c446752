"""personal data requests and one-time submit tokens

Revision ID: a1c0de600001
Revises: fde44c4447e9
Create Date: 2026-11-27 10:15:00

"""
from alembic import op
import sqlalchemy as sa

import proxy_service.models.types


# revision identifiers, used by Alembic.
revision = 'a1c0de600001'
down_revision = 'fde44c4447e9'
branch_labels = None
depends_on = None


def upgrade():
    # Create forms' one-time tokens: the unique token makes a repeated post lose (submit_once.py).
    op.create_table('submit_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('endpoint', sa.String(length=80), nullable=False),
    sa.Column('target_url', sa.String(length=300), nullable=False),
    sa.Column('created_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_submit_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submit_tokens')),
    sa.UniqueConstraint('token', name=op.f('uq_submit_tokens_token'))
    )
    with op.batch_alter_table('submit_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submit_tokens_created_at'), ['created_at'], unique=False)

    # When a manager erased the person's data on request (personal_data.py); NULL otherwise.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('submit_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submit_tokens_created_at'))

    op.drop_table('submit_tokens')
