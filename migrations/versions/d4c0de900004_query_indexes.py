"""indexes for the benchmarked pages

Revision ID: d4c0de900004
Revises: c3c0de700003
Create Date: 2026-11-27 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4c0de900004'
down_revision = 'c3c0de700003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
