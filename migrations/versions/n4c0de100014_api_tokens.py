"""personal access tokens of the JSON API; indexes for its case list

Revision ID: n4c0de100014
Revises: m3c0de900013
Create Date: 2026-12-07 03:10:00

Only the SHA-256 of each secret is stored (unique: the lookup of every API request). The API
lists a center's or an enterprise's cases in keyset pages over (updated_at, id).
"""
from alembic import op
import sqlalchemy as sa

import proxy_service.models.types


# revision identifiers, used by Alembic.
revision = 'n4c0de100014'
down_revision = 'm3c0de900013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('secret_sha256', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=12), nullable=False),
    sa.Column('created_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_ip', sa.String(length=45), server_default='', nullable=False),
    sa.Column('revoked_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('secret_sha256', name=op.f('uq_api_tokens_secret_sha256'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_center_updated', ['center_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_enterprise_updated', ['enterprise_id', 'updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_enterprise_updated')
        batch_op.drop_index('ix_cases_center_updated')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
    op.drop_table('api_tokens')
