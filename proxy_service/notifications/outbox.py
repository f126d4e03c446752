"""The outbox: e-mail and SMS copies written beside the change, and the leases that send them once.

Life of a row: pending → sending (claimed with a lease by one sender) → sent; or back
to pending with a later next_attempt_at (exponential back-off) after a failure; or
failed after OUTBOX_MAX_ATTEMPTS tries or a permanent refusal. A sender that dies
mid-send leaves its lease to expire; the row then returns to pending, and the next
try may repeat a message the server already took — with the same Message-ID.
"""
import json
import os
import socket
import uuid
from datetime import timedelta
from email.utils import parseaddr
from string import Template

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case as when
from sqlalchemy import update

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import OutboxMessage
from proxy_service.notifications.inbox import sms_number
from proxy_service.notifications.leases import lease_due
from proxy_service.notifications.rules import KIND_TITLES

# The provider stores the approved wording under a template id (SMS_TEMPLATE_<KEY>);
# these texts are what to register there, and what the log adapter prints. Only the
# case number and a link go in: an SMS may be read on a lock screen.
SMS_TEMPLATES = {
    "case_update": _l("您的代办案件${case_no}有新进展，请登录查看：${link}"),
    "correction": _l("您的代办案件${case_no}有事项需补正材料，请登录查看：${link}"),
    "staff_todo": _l("代办案件${case_no}有新的待办，请登录处理：${link}"),
    "deadline": _l("代办案件${case_no}有事项即将到期或已超期，请登录查看：${link}"),
    "notice": _l("您有一条新的代办服务通知，请登录查看：${link}"),
}


# --- writing -------------------------------------------------------------------

def enqueue_for(session, user, rule, text, path, *, case=None):
    """Add the e-mail and/or SMS `user` asked for (User.notify_email / notify_sms)."""
    link = public_url(path)
    if user.notify_email and user.email:
        title = str(KIND_TITLES.get(rule.kind, rule.kind))
        subject = f"{title} · {case.number}" if case is not None else title
        body = _("%(name)s，您好：\n\n%(text)s\n\n查看详情：%(link)s\n\n"
                 "—— 一对一精准代办（系统自动发送，请勿直接回复）",
                 name=user.name, text=text, link=link)
        session.add(OutboxMessage(user_id=user.id, channel="email", recipient=user.email,
                                  subject=subject[:200], body=body, message_id=new_message_id()))
    phone = sms_number(user)
    if user.notify_sms and phone:
        key = "notice" if case is None else (rule.staff_sms if user.is_staff else rule.sms)
        params = {"case_no": case.number if case is not None else "", "link": link}
        session.add(OutboxMessage(user_id=user.id, channel="sms", recipient=phone,
                                  template_code=key, params=json.dumps(params, ensure_ascii=False),
                                  body=sms_text(key, params), message_id=new_message_id()))


def sms_text(key, params):
    return Template(str(SMS_TEMPLATES[key])).safe_substitute(params)


def public_url(path):
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def new_message_id():
    """An RFC 5322 Message-ID, fixed when the row is written so that every retry reuses it."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "proxy-service.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


# --- leasing -------------------------------------------------------------------

def lease_token():
    """Who holds a lease: host, process and a random part (two runs on one host differ)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def release_expired_leases():
    """Rows whose sender vanished go back to pending (or fail when out of attempts)."""
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_until < clock.now())
        .values(status=when((OutboxMessage.attempts >= max_attempts, "failed"), else_="pending"),
                leased_by="", lease_until=None,
                last_error="lease expired: the sender stopped before recording the outcome")
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def claim(limit, token):
    """Lease up to `limit` due rows to `token` and return them; no row is leased twice
    (leases.py says how)."""
    return lease_due(OutboxMessage, limit=limit, token=token,
                     seconds=current_app.config["OUTBOX_LEASE_SECONDS"],
                     attempts=OutboxMessage.attempts + 1)


def mark_sent(message_id, token):
    return _finish(message_id, token, status="sent", sent_at=clock.now(), lease_until=None,
                   last_error="")


def mark_failed(message, token, error, *, permanent=False):
    """Schedule a retry after 2^(attempts-1) × OUTBOX_RETRY_SECONDS, or give up."""
    config = current_app.config
    give_up = permanent or message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]
    delay = min(config["OUTBOX_RETRY_SECONDS"] * 2 ** max(message.attempts - 1, 0),
                config["OUTBOX_RETRY_MAX_SECONDS"])
    return _finish(message.id, token, status="failed" if give_up else "pending",
                   next_attempt_at=clock.now() + timedelta(seconds=delay), leased_by="",
                   lease_until=None, last_error=f"{type(error).__name__}: {error}"[:2000])


def _finish(message_id, token, **values):
    # Only the lease holder records the outcome: a row whose lease expired and was
    # taken by another sender is that sender's now.
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.leased_by == token,
               OutboxMessage.status == "sending")
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1
