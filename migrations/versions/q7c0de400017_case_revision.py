"""a case's revision and the time anything shown of it changed

Revision ID: q7c0de400017
Revises: p6c0de300016
Create Date: 2026-12-15 09:00:00

Every verb that touches a case advances cases.revision and sets cases.changed_at
(workflow/revision.py), without the case form's optimistic lock (cases.version). The API's
case list pages over (changed_at, id), so its indexes move from updated_at to changed_at.

Existing cases start at revision 1, changed at the latest of their own update, their steps'
and their audit events' (messages, documents, notices and the rest are all audited).
"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

import proxy_service.models.types


# revision identifiers, used by Alembic.
revision = 'q7c0de400017'
down_revision = 'p6c0de300016'
branch_labels = None
depends_on = None

LATEST_STEP = "(SELECT max(s.updated_at) FROM steps s WHERE s.case_id = cases.id)"
LATEST_EVENT = "(SELECT max(e.at) FROM audit_events e WHERE e.case_id = cases.id)"
OWN = "coalesce(updated_at, submitted_at)"
# SQLite's max(a, b, c) is NULL when any is; PostgreSQL's greatest() skips NULLs.
BACKFILL = {
    "sqlite": f"max({OWN}, coalesce({LATEST_STEP}, {OWN}), coalesce({LATEST_EVENT}, {OWN}))",
    "postgresql": f"greatest({OWN}, {LATEST_STEP}, {LATEST_EVENT})",
}


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('changed_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True))
    op.execute(f"UPDATE cases SET changed_at = {BACKFILL[op.get_bind().dialect.name]}")
    # changed_at stays nullable in the schema, as updated_at: NOT NULL would make SQLite copy
    # the cases table, which the foreign keys that point at it refuse. Every row has one.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_enterprise_updated')
        batch_op.drop_index('ix_cases_center_updated')
        batch_op.create_index('ix_cases_center_changed', ['center_id', 'changed_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_enterprise_changed', ['enterprise_id', 'changed_at', 'id'], unique=False)


def downgrade():
    with _sqlite_foreign_keys_off():
        _downgrade()


@contextmanager
def _sqlite_foreign_keys_off():
    # Dropping the columns makes SQLite's batch mode rebuild `cases` (copy, drop, rename); with
    # foreign keys on, dropping it fails while any row points at a case. The pragma is ignored
    # inside a transaction, so this wraps the whole step (as o5c0de200015).
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


def _downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_enterprise_changed')
        batch_op.drop_index('ix_cases_center_changed')
        batch_op.create_index('ix_cases_center_updated', ['center_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_cases_enterprise_updated', ['enterprise_id', 'updated_at', 'id'], unique=False)
        batch_op.drop_column('changed_at')
        batch_op.drop_column('revision')
