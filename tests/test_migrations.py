"""The schema is created by the migrations alone, and they match the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate, downgrade, upgrade

from proxy_service.core.extensions import db

from .conftest import _empty_tables


def test_migrated_schema_matches_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_are_at_head(app):
    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
    assert Migrate  # the extension providing the config is the one the app uses


def test_migrations_downgrade_to_nothing_and_back(app):
    _empty_tables()
    downgrade(revision="base")
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is None
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
