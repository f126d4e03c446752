from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import exports, overview, reports, views  # noqa: E402,F401
