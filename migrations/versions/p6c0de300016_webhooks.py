"""webhooks: endpoints of a center or an enterprise, and their deliveries (an outbox)

Revision ID: p6c0de300016
Revises: o5c0de200015
Create Date: 2026-12-07 06:20:00

A delivery's id is the webhook-id its receiver deduplicates by. `flask webhooks deliver`
claims due rows by (status, next_attempt_at); the delivery log lists an endpoint's rows.
"""
from alembic import op
import sqlalchemy as sa

import proxy_service.models.types


# revision identifiers, used by Alembic.
revision = 'p6c0de300016'
down_revision = 'o5c0de200015'
branch_labels = None
depends_on = None

UTC = proxy_service.models.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table('webhook_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('events', sa.Text(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=False),
    sa.Column('previous_secret', sa.Text(), nullable=False),
    sa.Column('previous_secret_until', UTC, nullable=True),
    sa.Column('state', sa.Enum('active', 'failing', 'disabled', name='endpointstate', native_enum=False, length=20), nullable=False),
    sa.Column('state_reason', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_webhook_endpoints_center_id_centers')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_webhook_endpoints_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_webhook_endpoints_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_endpoints_center_id'), ['center_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webhook_endpoints_enterprise_id'), ['enterprise_id'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('event_type', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'delivered', 'failed', 'dropped', name='deliverystatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTC, nullable=True),
    sa.Column('lease_until', UTC, nullable=True),
    sa.Column('leased_by', sa.String(length=80), nullable=False),
    sa.Column('last_attempt_at', UTC, nullable=True),
    sa.Column('response_code', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('occurred_at', UTC, nullable=True),
    sa.Column('created_at', UTC, nullable=True),
    sa.Column('delivered_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_webhook_deliveries_case_id_cases')),
    sa.ForeignKeyConstraint(['step_id'], ['steps.id'], name=op.f('fk_webhook_deliveries_step_id_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_endpoint', ['endpoint_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_endpoint')
        batch_op.drop_index('ix_webhook_deliveries_status_next')
    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_endpoints_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_webhook_endpoints_center_id'))
    op.drop_table('webhook_endpoints')
