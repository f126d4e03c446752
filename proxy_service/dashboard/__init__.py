from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from proxy_service.dashboard import exports, overview, reports, views  # noqa: E402,F401
