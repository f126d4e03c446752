"""Flask extensions, created unbound and initialised in create_app()."""
from functools import cached_property

import flask_babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from proxy_service.core.render_translations import RenderDomain

# Named constraints from the first migration on: SQLite's batch mode needs them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Babel(flask_babel.Babel):
    """Flask-Babel, whose default domain answers from a template render's bound translations
    (core/render_translations.py)."""

    @cached_property
    def domain_instance(self):
        return RenderDomain(domain=self.domain)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
