from flask import Blueprint

bp = Blueprint("cases", __name__)

from . import files, handling, views  # noqa: E402,F401
