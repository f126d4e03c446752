"""indexes for the benchmarked pages

Revision ID: d4c0de900004
Revises: c3c0de700003
Create Date: 2026-11-27 10:15:00

Measured with benchmarks/pages_bench.py at 100,000 cases (benchmarks/RESULTS.md):
- cases (center_id, submitted_at, id, enterprise_id, project_id): a center's list, newest
  first, read in index order and stopped after a page, and matched against the enterprises
  and projects a name search found without reading the cases; also the dashboard's "filed
  in the period" counts. It starts with center_id, so the index on center_id alone goes.
- projects (center_id, name): the name search reads the center's project names from the
  index, not the whole projects (it replaces the index on center_id alone).
- cases (center_id, agent_id, status): an agent's open cases (inbox, workload) without
  reading every open case of the center.
- cases (center_id, accepted_at) and (center_id, closed_at, status): the dashboard counts
  what was accepted, declined and completed in a period from index ranges.
- steps (case_id, status, approved_on, submitted_on, due_on, item_id): a case's open steps,
  or its steps approved in a period with what the dashboard computes from them, from the
  index alone (a year of a busy center is ~18,000 steps). It replaces the index on case_id,
  and the one on status goes too: with it the planner started from "every open step of
  every center" instead of from the few cases a page is about.
- notifications (user_id, created_at, id): a user's newest notifications without sorting.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4c0de900004'
down_revision = 'c3c0de700003'
branch_labels = None
depends_on = None

NEW = (
    ("ix_cases_center_submitted", "cases",
     ["center_id", "submitted_at", "id", "enterprise_id", "project_id"]),
    ("ix_cases_center_agent", "cases", ["center_id", "agent_id", "status"]),
    ("ix_cases_center_accepted", "cases", ["center_id", "accepted_at"]),
    ("ix_cases_center_closed", "cases", ["center_id", "closed_at", "status"]),
    ("ix_steps_case_status", "steps",
     ["case_id", "status", "approved_on", "submitted_on", "due_on", "item_id"]),
    ("ix_notifications_user_created", "notifications", ["user_id", "created_at", "id"]),
    ("ix_projects_center_name", "projects", ["center_id", "name"]),
)
REPLACED = (
    ("ix_cases_center_id", "cases", ["center_id"]),
    ("ix_steps_case_id", "steps", ["case_id"]),
    ("ix_steps_status", "steps", ["status"]),
    ("ix_projects_center_id", "projects", ["center_id"]),
)


def upgrade():
    for name, table, columns in NEW:
        op.create_index(name, table, columns, unique=False)
    for name, table, _columns in REPLACED:
        op.drop_index(name, table_name=table)


def downgrade():
    for name, table, columns in REPLACED:
        op.create_index(name, table, columns, unique=False)
    for name, table, _columns in NEW:
        op.drop_index(name, table_name=table)
