"""The delegation agreement pages: view, sign online, sign on paper, clause template, 追加事项."""
from flask import Blueprint

bp = Blueprint("agreements", __name__)

from proxy_service.agreements import manage, views  # noqa: E402,F401
