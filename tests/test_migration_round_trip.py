"""A downgrade to the last release and an upgrade back keep the data (review B1, T1): the
downgrades of this release's migrations run on tables with rows, on SQLite (where a batch
rebuild of a table other rows point at fails) as on PostgreSQL."""
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from proxy_service.demo import load_demo
from proxy_service.extensions import db

LAST_RELEASE = "f6c0de200006"
DATES = {"steps": "id, status, submitted_on, approved_on, due_on, yellow_on, allotted_workdays, "
                  "remaining_workdays",
         "cases": "id, status, suspended_on, promised_on"}


def revision():
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def dates():
    with db.engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY id")).all()
                for table, columns in DATES.items()}


def counts(tables):
    with db.engine.connect() as conn:
        return {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in tables}


def fresh_connections():
    """New connections, with the pragmas the app sets (SQLite: foreign keys on), as a
    `flask db downgrade` has: the suite's pooled one may have had them turned off."""
    db.session.remove()
    db.engine.dispose()


def test_a_downgrade_to_the_last_release_and_back_keeps_the_rows_and_dates(app):
    assert load_demo()
    fresh_connections()
    head, tables = revision(), inspect(db.engine).get_table_names()
    rows, stored = counts(tables), dates()
    assert stored["steps"] and stored["cases"]
    downgrade(revision=LAST_RELEASE)
    assert revision() == LAST_RELEASE
    assert dates() == stored
    upgrade()
    assert revision() == head
    assert dates() == stored
    assert counts(tables) == rows
