from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import exports, overview, views  # noqa: E402,F401
