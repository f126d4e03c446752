from flask import Blueprint

bp = Blueprint("admin", __name__)

from proxy_service.admin import calendar, catalog, people, users, verification  # noqa: E402,F401
