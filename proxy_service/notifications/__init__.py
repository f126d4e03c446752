"""Notifications: in-app (bell and list), e-mail and SMS through the outbox, deadline alerts.
The bell's pages are the inbox feature's.

Importing the package installs the session listener (events.py) that turns audit events
into notifications, and the one (webhook_events.py) that turns them into webhook
deliveries.
"""
from proxy_service.notifications import events, webhook_events  # noqa: F401
