"""A user's own notifications: count, mark read; and their delivery preferences and addresses
(the list is permissions.visible_notifications)."""
from itertools import chain

from flask import has_request_context, request
from sqlalchemy import event, inspect, update
from sqlalchemy.orm.attributes import set_committed_value

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Notification, User

_COUNT_KEY = "proxy_service.unread_notifications"


def unread_count(user):
    """Unread notifications of `user` (the navbar bell): read with the logged-in user by the
    user load (User.unread_notifications, identity/sessions.py), else one query, once per
    request. A change to the user's notifications in this request drops both (_forget)."""
    read_with_user = inspect(user).attrs.unread_notifications.loaded_value
    if isinstance(read_with_user, int):
        return read_with_user
    cache = request.environ if has_request_context() else {}
    if _COUNT_KEY not in cache:
        cache[_COUNT_KEY] = db.session.scalar(Notification.unread_of(user.id))
    return cache[_COUNT_KEY]


def _forget(session, user_ids):
    """The counts of `user_ids` read earlier in this request are out of date."""
    for user_id in user_ids:
        user = session.identity_map.get(inspect(User).identity_key_from_primary_key((user_id,)))
        if user is not None:
            set_committed_value(user, "unread_notifications", None)
    if has_request_context():
        request.environ.pop(_COUNT_KEY, None)


@event.listens_for(db.session, "after_flush")
def _forget_changed_counts(session, _flush_context):
    # A notification written, read or deleted in this request: its user's bell counts again.
    changed = {obj.user_id for obj in chain(session.new, session.dirty, session.deleted)
               if isinstance(obj, Notification)}
    if changed:
        _forget(session, changed)


def mark_read(notification):
    if notification.read_at is None:
        notification.read_at = clock.now()
    db.session.flush()


def mark_all_read(user):
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now()).execution_options(synchronize_session=False))
    db.session.flush()
    _forget(db.session, {user.id})   # a bulk update: no object of it passed through the flush
    return result.rowcount


def sms_number(user):
    """Where a user's SMS go: their own mobile, else their enterprise's registered one."""
    return user.phone or (user.enterprise.mobile if user.enterprise is not None else "")


def addresses(user):
    """Where each channel would reach `user`: {"email": ..., "sms": ...}, "" where none."""
    return {"email": user.email, "sms": sms_number(user)}


def set_contact(user, actor, *, email, phone):
    """The user's own e-mail address and mobile; audited without the addresses themselves
    (the log outlives an erasure). A channel follows its address: one that loses its address
    goes off, one that gains an address takes its default (e-mail on; SMS on for enterprises)."""
    before = addresses(user)
    changes = [f"{label}：{_change(old, new)}" for label, old, new in  # i18n-keep: audit record
               (("电子邮箱", user.email, email), ("手机号码", user.phone, phone)) if old != new]
    user.email, user.phone = email, phone
    after = addresses(user)
    user.notify_email = bool(after["email"]) and (user.notify_email or not before["email"])
    user.notify_sms = bool(after["sms"]) and (user.notify_sms or (
        not before["sms"] and user.is_enterprise))
    if changes:
        db.session.add(AuditEvent.record(actor, user, "contact_update",  # i18n-keep: audit record
                                         comment="，".join(changes)))
    db.session.flush()


def _change(old, new):
    return "已删除" if not new else "已登记" if not old else "已修改"  # i18n-keep: audit record


def set_preferences(user, *, email, sms):
    """Which channels besides the bell `user` wants; audited as an account change."""
    changes = [f"{name}: {'开' if new else '关'}" for name, old, new in  # i18n-keep: audit record
               (("邮件", user.notify_email, email), ("短信", user.notify_sms, sms)) if old != new]
    user.notify_email, user.notify_sms = email, sms
    if changes:
        db.session.add(AuditEvent.record(user, user, "notify_settings",  # i18n-keep: audit record
                                         comment="，".join(changes)))
    db.session.flush()
