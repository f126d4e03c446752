"""workload counters: each agent's open cases and open steps, and approvals per agent and day

Revision ID: q7da5b000017
Revises: q7c0de400017
Create Date: 2026-12-07 09:40:00

Kept from here on by workflow/workload_counters.py in the transaction of every change; filled
here from the existing rows with the counts the workload table showed (`flask workloads
rebuild` counts them again the same way).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'q7da5b000017'
down_revision = 'q7c0de400017'
branch_labels = None
depends_on = None

OPEN_CASES = "('submitted', 'accepted', 'signing', 'in_progress', 'suspended')"
OPEN_STEPS = "('pending', 'preparing', 'submitted', 'returned')"


def upgrade():
    op.create_table('agent_open_work',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('open_cases', sa.Integer(), nullable=False),
    sa.Column('open_steps', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_agent_open_work_agent_id_users')),
    sa.PrimaryKeyConstraint('agent_id', name=op.f('pk_agent_open_work'))
    )
    op.create_table('agent_approvals',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_agent_approvals_agent_id_users')),
    sa.PrimaryKeyConstraint('agent_id', 'approved_on', name=op.f('pk_agent_approvals'))
    )
    op.execute(f"""
        INSERT INTO agent_open_work (agent_id, open_cases, open_steps)
        SELECT c.agent_id, COUNT(*),
               (SELECT COUNT(*) FROM steps s JOIN cases o ON o.id = s.case_id
                WHERE o.agent_id = c.agent_id AND o.status IN {OPEN_CASES}
                  AND s.status IN {OPEN_STEPS})
        FROM cases c WHERE c.agent_id IS NOT NULL AND c.status IN {OPEN_CASES}
        GROUP BY c.agent_id""")
    op.execute("""
        INSERT INTO agent_approvals (agent_id, approved_on, steps)
        SELECT c.agent_id, s.approved_on, COUNT(*) FROM steps s JOIN cases c ON c.id = s.case_id
        WHERE c.agent_id IS NOT NULL AND s.status = 'approved' AND s.approved_on IS NOT NULL
        GROUP BY c.agent_id, s.approved_on""")


def downgrade():
    op.drop_table('agent_approvals')
    op.drop_table('agent_open_work')
