from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import calendar, catalog, people, users, verification  # noqa: E402,F401
