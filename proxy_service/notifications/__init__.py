"""Notifications: in-app (bell and list), e-mail and SMS through the outbox, deadline alerts.
The bell's pages are the inbox feature's.

Importing the package installs the session listener (events.py) that turns audit events
into notifications.
"""
from proxy_service.notifications import events  # noqa: F401
