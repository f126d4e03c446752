"""monthly reports as issued: a closed month's PDF stored once, new versions with a reason

Revision ID: j0c0de600010
Revises: l2c0de800012
Create Date: 2026-12-10 11:00:00

The report of a month was rebuilt from the current data on every download, so it changed as
cases moved on. monthly_reports keeps each issued version of a center's month (its bytes in
document_blobs by SHA-256, like documents), unique per (center, month, version). Nothing to
backfill: months before this revision are issued when their PDF is next asked for, computed
as of their end from the stored history.
"""
from alembic import op
import sqlalchemy as sa

import proxy_service.models.types


# revision identifiers, used by Alembic.
revision = 'j0c0de600010'
down_revision = 'l2c0de800012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monthly_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', proxy_service.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_monthly_reports_center_id_centers')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_monthly_reports_issued_by_id_users')),
    sa.ForeignKeyConstraint(['sha256'], ['document_blobs.sha256'], name=op.f('fk_monthly_reports_sha256_document_blobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_reports')),
    sa.UniqueConstraint('center_id', 'month', 'version', name=op.f('uq_monthly_reports_center_id'))
    )


def downgrade():
    op.drop_table('monthly_reports')
