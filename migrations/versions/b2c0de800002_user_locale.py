"""user interface language

Revision ID: b2c0de800002
Revises: a1c0de600001
Create Date: 2026-11-27 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2c0de800002'
down_revision = 'a1c0de600001'
branch_labels = None
depends_on = None


def upgrade():
    # NULL: no choice made, the browser's Accept-Language decides (proxy_service/core/i18n.py).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
