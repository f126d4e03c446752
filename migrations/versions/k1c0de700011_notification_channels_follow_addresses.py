"""notification channels follow the addresses on file

Until now every new account had e-mail notifications on (and enterprises SMS) whether or not
an address was on file, so the settings page showed a ticked box it then refused to save.
Channels without an address are turned off; new accounts get a channel by default only with
an address (models/users.py).

Revision ID: k1c0de700011
Revises: i9c0de500009
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'k1c0de700011'
down_revision = 'i9c0de500009'
branch_labels = None
depends_on = None


def upgrade():
    users = sa.table('users', sa.column('notify_email', sa.Boolean()),
                     sa.column('notify_sms', sa.Boolean()), sa.column('email', sa.String()),
                     sa.column('phone', sa.String()), sa.column('enterprise_id', sa.Integer()))
    enterprises = sa.table('enterprises', sa.column('id', sa.Integer()),
                           sa.column('mobile', sa.String()))
    empty = lambda column: sa.func.coalesce(column, '') == ''  # noqa: E731
    op.execute(users.update().where(empty(users.c.email)).values(notify_email=sa.false()))
    # SMS go to the user's own mobile, else to their enterprise's (notifications/inbox.py).
    enterprise_mobile = sa.select(enterprises.c.id).where(
        enterprises.c.id == users.c.enterprise_id, ~empty(enterprises.c.mobile)).exists()
    op.execute(users.update().where(empty(users.c.phone), ~enterprise_mobile)
               .values(notify_sms=sa.false()))


def downgrade():
    # Nothing to undo: a channel turned off here cannot be told from one its user turned off,
    # and the older code treats both alike.
    pass
