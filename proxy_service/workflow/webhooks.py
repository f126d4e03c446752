"""Webhook endpoints (models/webhooks.py) and the delivery rounds of `flask webhooks deliver`.

An owner (a center's manager, an enterprise's user) registers an endpoint, chooses its events,
sees its secret once, rotates it (the old one keeps signing for ROTATION_GRACE), switches it off
and on, sends a delivery again or a test event. Delivery outcomes move the endpoint too: the
last retry of an event failing makes it `failing` (its owner is notified), a later success makes
it active again, a 410 Gone disables it. Every move is audited on the owner's chain.
"""
import json
import logging
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError, require
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.models import (
    DeliveryStatus,
    EndpointState,
    Enterprise,
    WebhookEndpoint,
)
from proxy_service.models.webhooks import EVENTS
from proxy_service.notifications import webhook_delivery as sending
from proxy_service.notifications.events import center_managers, deliver, enterprise_users
from proxy_service.notifications.outbox import lease_token
from proxy_service.notifications.rules import WEBHOOK_FAILING
from proxy_service.notifications.webhook_events import (
    new_secret,
    seal,
    signing_secrets,
    test_delivery,
)
from proxy_service.permissions import can_manage_webhooks
from proxy_service.workflow.moves import ENDPOINT_MOVES, _audit_event, _begin, _fill, _move

log = logging.getLogger(__name__)
ROTATION_GRACE = timedelta(hours=24)
MAX_URL = 500


# --- the owner's verbs ---------------------------------------------------------------------

def create_endpoint(actor, *, url, events, description="", via=""):
    """A new endpoint of the actor's center (a manager) or enterprise: returns (endpoint,
    secret); the secret is shown once (it is stored encrypted, and not shown again). `via`:
    the opening of the audit comment (api_tokens.through) when it comes through the API."""
    if not can_manage_webhooks(actor):
        raise TransitionError(_l("只有中心管理人员和企业用户可以登记事件推送地址。"))
    url, events = check_url(url), check_events(events)
    secret = new_secret()
    endpoint = WebhookEndpoint(url=url, events=" ".join(events), description=description.strip(),
                               secret=seal(secret), created_by_id=actor.id)
    if actor.is_enterprise:
        endpoint.enterprise_id = actor.enterprise_id
    else:
        endpoint.center_id = actor.center_id
    _begin(endpoint, EndpointState.ACTIVE, field="state")
    db.session.add(endpoint)
    db.session.flush()
    _audit(actor, endpoint, "webhook_create", via + _described(url, events))
    return endpoint, secret


def update_endpoint(endpoint, actor, *, url, events, description="", via=""):
    url, events = check_url(url), check_events(events)
    changed = _fill(endpoint, {"url": url, "events": " ".join(events),
                               "description": description.strip()})
    if changed:
        _audit(actor, endpoint, "webhook_edit", via + _described(url, events))
    return changed


def _described(url, events):
    return f"{url}（{'、'.join(events)}）"  # i18n-keep: an audit record, joined the Chinese way


def rotate_secret(endpoint, actor, via=""):
    """A new secret (returned, shown once); the old one signs too for ROTATION_GRACE."""
    secret = new_secret()
    _fill(endpoint, {"previous_secret": endpoint.secret, "secret": seal(secret),
                     "previous_secret_until": clock.now() + ROTATION_GRACE})
    _audit(actor, endpoint, "webhook_rotate", via + in_record_language(
        _l("旧密钥在 %(hours)s 小时内仍然有效", hours=int(ROTATION_GRACE.total_seconds() // 3600))))
    return secret


def disable_endpoint(endpoint, actor, via=""):
    _move_endpoint(endpoint, "webhook_disable", actor, via)


def enable_endpoint(endpoint, actor, via=""):
    _move_endpoint(endpoint, "webhook_enable", actor, via)
    endpoint.state_reason = ""


def send_again(delivery, actor, via=""):
    """The same event (same webhook-id, same body) queued again now, attempts counted anew."""
    if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
        raise TransitionError(_l("该事件正在等待发送。"))
    if delivery.endpoint.state is EndpointState.DISABLED:
        raise TransitionError(_l("推送地址已停用，请先启用。"))
    _fill(delivery, {"attempts": 0, "next_attempt_at": clock.now(), "last_error": ""})
    _begin(delivery, DeliveryStatus.PENDING)   # queued afresh: a new life, same id and body
    _audit(actor, delivery.endpoint, "webhook_send_again",
           via + f"{delivery.event_type} #{delivery.id}")


def send_test_event(endpoint, actor, via=""):
    if endpoint.state is EndpointState.DISABLED:
        raise TransitionError(_l("推送地址已停用，请先启用。"))
    delivery = test_delivery(endpoint)
    db.session.add(delivery)
    db.session.flush()
    _audit(actor, endpoint, "webhook_test", via + f"#{delivery.id}")
    return delivery


def check_url(url):
    """An absolute http(s) URL (https only unless WEBHOOKS_ALLOW_LOOPBACK); where it points is
    checked again at every delivery (the name may resolve elsewhere by then)."""
    url = require(url, _l("请填写接收地址。"))
    parts = urlsplit(url)
    loopback = current_app.config["WEBHOOKS_ALLOW_LOOPBACK"]
    if len(url) > MAX_URL or parts.scheme not in (("https", "http") if loopback else ("https",)) \
            or not parts.hostname or parts.username or parts.password \
            or not sending.valid_port(parts):
        raise TransitionError(_l("接收地址须为 https:// 开头的完整网址（不含用户名和密码）。"))
    if sending.refused_literal(parts.hostname, allow_loopback=loopback):
        raise TransitionError(_l("接收地址不能是内网、本机或保留地址。"))
    return url


def check_events(events):
    events = [name for name in EVENTS if name in set(events or ())]
    if not events or set(events or ()) - set(EVENTS):
        raise TransitionError(_l("请至少选择一种事件。"))
    return events


# --- delivery outcomes ---------------------------------------------------------------------

def endpoint_gone(endpoint):
    """The receiver answered 410 Gone: nothing more is sent until the owner enables it."""
    if endpoint.state != "disabled":
        _move_endpoint(endpoint, "webhook_gone", None)
        endpoint.state_reason = "410 Gone"


def endpoint_failing(endpoint):
    """An event failed its last retry: the endpoint is failing and its owner told (once, when
    it becomes failing; deliveries go on)."""
    if endpoint.state != "active":
        return
    _move_endpoint(endpoint, "webhook_failing", None)
    for user in owners(endpoint):
        deliver(db.session, user, WEBHOOK_FAILING, WEBHOOK_FAILING.texts["owner"],
                {"url": endpoint.url})


def endpoint_recovered(endpoint):
    if endpoint.state == "failing":
        _move_endpoint(endpoint, "webhook_recovered", None)
        endpoint.state_reason = ""


def owners(endpoint):
    if endpoint.enterprise_id is not None:
        return enterprise_users(db.session, endpoint.enterprise_id)
    return center_managers(db.session, endpoint.center_id)


def _move_endpoint(endpoint, action, actor, comment=""):
    _move(endpoint, ENDPOINT_MOVES, action, actor, comment, field="state",
          center_id=_center_of(endpoint))
    db.session.flush()


def _audit(actor, endpoint, action, comment):
    _audit_event(actor, endpoint, action, comment=comment, center_id=_center_of(endpoint))
    db.session.flush()


def _center_of(endpoint):
    if endpoint.center_id is not None:
        return endpoint.center_id
    enterprise = db.session.get(Enterprise, endpoint.enterprise_id)
    return enterprise.home_center_id if enterprise is not None else None


# --- a delivery round ----------------------------------------------------------------------

def deliver_due(render, *, token=None):
    """One run of `flask webhooks deliver`: send the due rows, at most WEBHOOKS_PARALLEL
    endpoints at a time (each endpoint's rows in order), until none is due or the time budget
    (WEBHOOKS_TIME_BUDGET seconds) is spent. `render(delivery, endpoint)` gives the payload's
    data (None: the owner no longer sees it; the row is dropped). Returns a Counter."""
    config = current_app.config
    token = token or lease_token()
    ends_at = time.monotonic() + config["WEBHOOKS_TIME_BUDGET"]
    stats = Counter(released=sending.release_expired_leases())
    sending.drop_disabled()
    while time.monotonic() < ends_at and (rows := sending.claim(config["WEBHOOKS_BATCH"], token)):
        jobs = _jobs(rows, render, token, stats)
        outcomes = _send_all(jobs, config["WEBHOOKS_PARALLEL"], ends_at,
                             config["WEBHOOKS_ALLOW_LOOPBACK"])
        by_id = {row.id: row for row in rows}
        for job, outcome in outcomes:
            _record(by_id[job.delivery_id], token, outcome, stats)
        if stats["unsent"]:
            break
    return stats


def _jobs(rows, render, token, stats):
    """The jobs of the claimed rows, each body rendered once (its first attempt) and kept."""
    jobs = []
    for row in rows:
        endpoint = row.endpoint
        if not row.payload:
            data = render(row, endpoint)
            if data is None:
                sending.drop(row, token, "the endpoint's owner no longer sees the case")
                stats["dropped"] += 1
                continue
            row.payload = json.dumps({"type": row.event_type,
                                      "timestamp": row.occurred_at.isoformat(), "data": data},
                                     ensure_ascii=False, separators=(",", ":"))
        jobs.append(sending.Job(row.id, endpoint.id, endpoint.url,
                                tuple(signing_secrets(endpoint)), row.payload))
    db.session.commit()
    return jobs


def _send_all(jobs, parallel, ends_at, allow_loopback):
    per_endpoint = defaultdict(list)
    for job in jobs:
        per_endpoint[job.endpoint_id].append(job)

    def run(queue):
        results = []
        for job in queue:
            if time.monotonic() >= ends_at:
                results.append((job, sending.Outcome(sent=False)))
            else:
                results.append((job, sending.send(job, allow_loopback=allow_loopback)))
        return results

    with ThreadPoolExecutor(max_workers=max(parallel, 1)) as pool:
        return [pair for results in pool.map(run, per_endpoint.values()) for pair in results]


def _record(row, token, outcome, stats):
    result = sending.finish(row, token, outcome)
    stats[result] += 1
    endpoint = row.endpoint
    if result == "delivered":
        endpoint_recovered(endpoint)
    elif result == "gone":
        endpoint_gone(endpoint)
    elif result == "failed":
        endpoint_failing(endpoint)
    if result not in ("delivered", "unsent", "lost"):
        log.warning("webhook %s to endpoint %s: %s (%s)", row.id, endpoint.id, result,
                    outcome.error or outcome.code)
    db.session.commit()
