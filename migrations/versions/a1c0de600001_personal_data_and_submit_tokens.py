"""personal data requests and one-time submit tokens

Revision ID: a1c0de600001
Revises: fde44c4447e9
Create Date: 2026-11-27 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0de600001'
down_revision = 'fde44c4447e9'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
