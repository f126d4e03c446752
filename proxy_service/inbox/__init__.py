"""The bell's pages: a user's notifications (list, mark read) and where and how they are
delivered (preferences, contact addresses). The notifications themselves are made, queued and
sent by the notifications package, a layer below; the blueprint keeps its name, `notifications`."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)

from proxy_service.inbox import views  # noqa: E402,F401
