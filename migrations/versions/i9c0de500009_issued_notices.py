"""notices as issued: rendered once, stored as bytes, corrected by new revisions

Revision ID: i9c0de500009
Revises: j0c0de600010
Create Date: 2026-12-07 10:00:00

issued_notices holds each 一次性告知单, 中止/终止通知书, 代办员变更通知书 and 办结单 as issued:
its number, date, revision and the SHA-256 of its bytes (in document_blobs). The notices of
existing cases are rendered here, once (proxy_service/workflow/notice_history.py): as of their issue
date from the audit history, or — where the history cannot say — from the data as they are
today, dated today and marked in print as reconstructed. This step imports the application's
PDF builders: the stored notices must look like the ones the application issues.

It can run again after a failed backfill: on SQLite a CREATE TABLE commits by itself, so the
table may be there already. A case whose notices cannot be rendered at all (data the code
cannot read, a missing font) stops the upgrade with its number: nothing is stored for any
case, so no notice is dated today for a fault that a fix and a second run would avoid.

The downgrade refuses while notices issued by the application exist: they are what was handed
to enterprises, and an upgrade could only render them again from the history, with other bytes.
`flask db downgrade -x drop_issued_notices=1 …` drops them anyway (export the dossiers first).
"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i9c0de500009'
down_revision = 'j0c0de600010'
branch_labels = None
depends_on = None


def upgrade():
    _create_table()
    op.create_index(op.f('ix_issued_notices_case_id'), 'issued_notices', ['case_id'],
                    unique=False, if_not_exists=True)
    op.execute(sa.text("DELETE FROM issued_notices"))    # what a failed run left, if anything

    from proxy_service.workflow.notice_history import backfill
    backfill(op.get_bind())


def _create_table():
    op.create_table(
        'issued_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('materials', 'change', 'suspend', 'terminate', 'completion',
                                  name='noticekind', native_enum=False, length=20),
                  nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=60), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('origin', sa.Enum('issued', 'history', 'reconstructed', name='noticeorigin',
                                    native_enum=False, length=20), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('assignment_id', sa.Integer(), nullable=True),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'],
                                name=op.f('fk_issued_notices_assignment_id_assignments')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'],
                                name=op.f('fk_issued_notices_case_id_cases')),
        sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'],
                                name=op.f('fk_issued_notices_event_id_audit_events')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'],
                                name=op.f('fk_issued_notices_issued_by_id_users')),
        sa.ForeignKeyConstraint(['sha256'], ['document_blobs.sha256'],
                                name=op.f('fk_issued_notices_sha256_document_blobs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_notices')),
        sa.UniqueConstraint('case_id', 'kind', 'seq', 'revision',
                            name=op.f('uq_issued_notices_case_id')),
        if_not_exists=True,
    )


DROP_ISSUED = "drop_issued_notices"


def downgrade():
    bind = op.get_bind()
    issued = bind.execute(sa.text(
        "SELECT COUNT(*) FROM issued_notices WHERE origin = 'issued'")).scalar()
    if issued and context.get_x_argument(as_dictionary=True).get(DROP_ISSUED) != "1":
        raise RuntimeError(
            f"{issued} notice(s) issued by the application would be lost: the earlier code has "
            f"no place for them, and an upgrade would render them again from the history, "
            f"with other bytes than the ones handed out. Export them first (each case's "
            f"dossier, or a database backup), then run the downgrade with "
            f"-x {DROP_ISSUED}=1 to drop them.")
    hashes = bind.execute(sa.text("SELECT DISTINCT sha256 FROM issued_notices")).scalars().all()
    with op.batch_alter_table('issued_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issued_notices_case_id'))
    op.drop_table('issued_notices')
    # The bytes only the notices used go with them; a blob a document (or a report) shares stays.
    orphans = sa.text("DELETE FROM document_blobs WHERE sha256 IN :hashes "
                      "AND sha256 NOT IN (SELECT sha256 FROM documents WHERE sha256 IS NOT NULL) "
                      "AND sha256 NOT IN (SELECT sha256 FROM monthly_reports)")
    orphans = orphans.bindparams(sa.bindparam("hashes", expanding=True))
    for start in range(0, len(hashes), 500):
        bind.execute(orphans, {"hashes": hashes[start:start + 500]})
