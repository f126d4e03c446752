"""document blobs stored once by content hash

Revision ID: c3c0de700003
Revises: b2c0de800002
Create Date: 2026-11-27 10:15:00

The bytes of documents move from documents.data to document_blobs (one row per distinct
SHA-256); documents.sha256 becomes a foreign key to it. Existing rows are moved one at a
time (never the whole table in memory), and their sha256/size are set from the bytes
themselves.
"""
import hashlib
from contextlib import contextmanager
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3c0de700003'
down_revision = 'b2c0de800002'
branch_labels = None
depends_on = None

documents = sa.table("documents", sa.column("id", sa.Integer), sa.column("sha256", sa.String),
                     sa.column("size", sa.Integer), sa.column("data", sa.LargeBinary))
blobs = sa.table("document_blobs", sa.column("sha256", sa.String), sa.column("size", sa.Integer),
                 sa.column("data", sa.LargeBinary), sa.column("created_at", sa.DateTime))


@contextmanager
def _sqlite_foreign_keys_off():
    # SQLite's batch mode rebuilds `documents` (copy, drop, rename); with foreign keys on,
    # dropping it fails while enterprise_claims or agreements rows point at documents. The
    # pragma is ignored inside a transaction, so this wraps the whole step, before any DML.
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
    op.create_table(
        'document_blobs',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_document_blobs')),
    )
    _move_bytes_to_blobs()
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('data')
        batch_op.create_foreign_key(batch_op.f('fk_documents_sha256_document_blobs'),
                                    'document_blobs', ['sha256'], ['sha256'])


def _move_bytes_to_blobs():
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    ids = bind.execute(sa.select(documents.c.id).order_by(documents.c.id)).scalars().all()
    stored = set()
    for document_id in ids:
        data = bind.execute(sa.select(documents.c.data)
                            .where(documents.c.id == document_id)).scalar() or b""
        sha = hashlib.sha256(data).hexdigest()
        if sha not in stored:
            bind.execute(blobs.insert().values(sha256=sha, size=len(data), data=data,
                                               created_at=now))
            stored.add(sha)
        bind.execute(documents.update().where(documents.c.id == document_id)
                     .values(sha256=sha, size=len(data)))


def downgrade():
    with _sqlite_foreign_keys_off():
        with op.batch_alter_table('documents', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_documents_sha256_document_blobs'),
                                     type_='foreignkey')
            batch_op.add_column(sa.Column('data', sa.LargeBinary(), nullable=True))
    op.execute(documents.update().values(data=sa.select(blobs.c.data).where(
        blobs.c.sha256 == documents.c.sha256).scalar_subquery()))
    op.drop_table('document_blobs')
