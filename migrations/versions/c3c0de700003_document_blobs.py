"""document blobs stored once by content hash

Revision ID: c3c0de700003
Revises: b2c0de800002
Create Date: 2026-11-27 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3c0de700003'
down_revision = 'b2c0de800002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
