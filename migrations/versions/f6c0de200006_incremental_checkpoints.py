"""checkpoints sign only the chain heads that moved; an index for reading chains in order

Revision ID: f6c0de200006
Revises: e5c0de100005
Create Date: 2026-11-27 14:20:00

audit_checkpoints gets the center's highest event id a checkpoint saw (the next one signs
only chains with a later event) and the digest of the center's previous checkpoint (signed
with the rest, so removing a checkpoint breaks the next link), unique per center so that two
cron runs at once cannot both extend it. Both stay NULL on existing rows: full checkpoints,
signed without them, which verify as before; the first checkpoint after this links to the
last of them and, having no high-water mark to start from, signs every head once more.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6c0de200006'
down_revision = 'e5c0de100005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_digest', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_checkpoints_center_id'),
                                          ['center_id', 'previous_digest'])


def downgrade():
    with op.batch_alter_table('audit_checkpoints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_checkpoints_center_id'), type_='unique')
        batch_op.drop_column('previous_digest')
        batch_op.drop_column('last_event_id')
