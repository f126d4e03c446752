"""The bell's pages (inbox/): a user's own notifications."""
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import Notification


def visible_notifications(user):
    """A user's own notifications, newest first."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def notification_or_404(user, notification_id):
    return db.first_or_404(visible_notifications(user).where(Notification.id == notification_id))
