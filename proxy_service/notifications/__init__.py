"""Notifications: in-app (bell and list), e-mail and SMS through the outbox, deadline alerts.

Importing the package installs the session listener (events.py) that turns audit events
into notifications.
"""
from flask import Blueprint

bp = Blueprint("notifications", __name__)

from proxy_service.notifications import events, views  # noqa: E402,F401
