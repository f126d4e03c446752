from flask import Blueprint

bp = Blueprint("cases", __name__)

from proxy_service.cases import files, generated, handling, staff_actions, views  # noqa: E402,F401
