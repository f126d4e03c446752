"""version columns on catalogue items, case templates and center settings

Revision ID: e5c0de100005
Revises: d4c0de900004
Create Date: 2026-11-27 13:30:00

Each edit form carries the version it was loaded with; a save over a newer version writes
nothing (proxy_service/core/conflicts.py). Existing rows start at version 1.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5c0de100005'
down_revision = 'd4c0de900004'
branch_labels = None
depends_on = None

TABLES = ("approval_items", "case_templates", "centers")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1',
                                          nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
