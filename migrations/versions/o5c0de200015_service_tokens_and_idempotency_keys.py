"""center service tokens (a service user per center, who made each token); idempotency keys
of the API's POSTs

Revision ID: o5c0de200015
Revises: n4c0de100014
Create Date: 2026-12-07 06:20:00

A center's API tokens act as its service user (users.service): a manager of the center that
cannot log in. api_tokens.created_by_id names the manager who made a center token. An
Idempotency-Key is kept per token for 24 hours with the first answer to it.
"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

import proxy_service.models.types


# revision identifiers, used by Alembic.
revision = 'o5c0de200015'
down_revision = 'n4c0de100014'
branch_labels = None
depends_on = None


@contextmanager
def _sqlite_foreign_keys_off():
    # SQLite's batch mode rebuilds `users` and `api_tokens` (copy, drop, rename); with foreign
    # keys on, dropping `users` fails while any row points at a user. The pragma is ignored
    # inside a transaction, so this wraps the whole step, before any DML (as c3c0de700003).
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
        if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
            raise RuntimeError("cannot turn SQLite foreign keys off inside a transaction")
    try:
        yield
    finally:
        if sqlite:
            bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade():
    with _sqlite_foreign_keys_off():
        _upgrade()


def _upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('uq_users_service_center', ['center_id'], unique=True, sqlite_where=sa.text('service'), postgresql_where=sa.text('service'))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_tokens_created_by_id_users'), 'users', ['created_by_id'], ['id'])
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.LargeBinary(), nullable=True),
    sa.Column('response_headers', sa.Text(), nullable=False),
    sa.Column('created_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_idempotency_keys_token_id_api_tokens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('token_id', 'key', name=op.f('uq_idempotency_keys_token_id'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with _sqlite_foreign_keys_off():
        _downgrade()


def _downgrade():
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_expires_at'))
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_tokens_created_by_id_users'), type_='foreignkey')
        batch_op.drop_column('created_by_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('uq_users_service_center')
        batch_op.drop_column('service')
