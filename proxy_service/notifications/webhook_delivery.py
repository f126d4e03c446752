"""Sending webhook deliveries (docs/api.md "Webhooks"): leases, signing, the guarded HTTP
request and the retry schedule. workflow/webhooks.deliver_due runs a round of them.

Life of a row: pending → sending (leased by one run; PostgreSQL: FOR UPDATE SKIP LOCKED, so two
runs at once pass over each other's rows) → delivered; or back to pending with the next time of
BACKOFF (with jitter, or later when the receiver sent Retry-After); or failed after the last
retry or a 410. A run that dies mid-send leaves its lease to expire and the row is sent again:
delivery is at least once, and receivers deduplicate by webhook-id (the row's id).

The request (send): the URL's host is resolved once, every address is checked (refused: private,
loopback, link-local, CGNAT 100.64/10, unique-local fc00::/7, 0.0.0.0/8, multicast, reserved,
IPv4-mapped, anything not global), and the connection is made to the checked address itself, TLS
verified against the host name (no second lookup for a rebinding DNS to answer differently).
https only; WEBHOOKS_ALLOW_LOOPBACK (tests, development) lets http reach a loopback receiver.
http.client never follows a redirect nor reads proxy settings from the environment.
"""
import base64
import hashlib
import hmac
import http.client
import ipaddress
import random
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import DeliveryStatus, EndpointState, WebhookDelivery, WebhookEndpoint
from proxy_service.notifications.leases import lease_due

# Seconds before retry n (after attempt n failed): about three days in all, 10 attempts.
BACKOFF = (60, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_ATTEMPTS = len(BACKOFF) + 1
JITTER = 0.1            # a retry waits up to 10 % longer, so that failures do not march in step
TIMEOUT_SECONDS = 10
RESPONSE_KEPT = 1024    # bytes of the receiver's answer kept for the delivery log
RETRY_AFTER_MAX = 86400
USER_AGENT = "proxy-service-webhooks/1"
CGNAT = ipaddress.ip_network("100.64.0.0/10")
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


class Refused(Exception):
    """The URL may not be called (scheme, or an address in a refused range)."""


@dataclass(frozen=True)
class Job:
    """What a sending thread needs: plain values, no database objects."""
    delivery_id: int
    endpoint_id: int
    url: str
    secrets: tuple
    body: str


@dataclass(frozen=True)
class Outcome:
    code: int | None = None
    body: str = ""
    error: str = ""
    retry_after: int | None = None
    sent: bool = True

    @property
    def ok(self):
        return self.code is not None and 200 <= self.code < 300


# --- leases --------------------------------------------------------------------------------

def release_expired_leases():
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.SENDING,
               WebhookDelivery.lease_until < clock.now())
        .values(status=DeliveryStatus.PENDING, leased_by="", lease_until=None,
                last_error="lease expired: the sender stopped before recording the outcome")
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def drop_disabled():
    """Pending rows of disabled endpoints are not sent (the log shows them dropped)."""
    disabled = select(WebhookEndpoint.id).where(WebhookEndpoint.state == EndpointState.DISABLED)
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING,
               WebhookDelivery.endpoint_id.in_(disabled))
        .values(status=DeliveryStatus.DROPPED, last_error="endpoint disabled")
        .execution_options(synchronize_session=False))
    db.session.commit()


def claim(limit, token):
    """Lease up to `limit` due rows to `token` and return them; no row is leased twice (as the
    outbox's, leases.py)."""
    return lease_due(WebhookDelivery, limit=limit, token=token,
                     seconds=current_app.config["WEBHOOKS_LEASE_SECONDS"])


def finish(delivery, token, outcome):
    """Record `outcome` of the row leased to `token`: delivered, a retry, or failed. Returns
    what became of it: "delivered", "retry", "failed", "gone" (410), "unsent", or "lost" (the
    lease had passed to another run)."""
    now = clock.now()
    values = {"leased_by": "", "lease_until": None}
    if not outcome.sent:
        result = "unsent"
        values |= {"status": DeliveryStatus.PENDING}
    else:
        attempts = delivery.attempts + 1
        values |= {"attempts": attempts, "last_attempt_at": now, "response_code": outcome.code,
                   "response_body": outcome.body, "last_error": outcome.error[:500]}
        if outcome.ok:
            result = "delivered"
            values |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
        elif outcome.code == 410:
            result = "gone"
            values |= {"status": DeliveryStatus.FAILED}
        elif attempts >= MAX_ATTEMPTS:
            result = "failed"
            values |= {"status": DeliveryStatus.FAILED}
        else:
            result = "retry"
            values |= {"status": DeliveryStatus.PENDING,
                       "next_attempt_at": now + timedelta(seconds=retry_delay(attempts, outcome))}
    written = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.leased_by == token,
               WebhookDelivery.status == DeliveryStatus.SENDING)
        .values(**values).execution_options(synchronize_session=False))
    return result if written.rowcount == 1 else "lost"


def retry_delay(attempts, outcome):
    """Seconds until the next attempt after `attempts` failed ones: BACKOFF with jitter, or the
    receiver's Retry-After when that is later."""
    delay = BACKOFF[attempts - 1] * (1 + random.uniform(0, JITTER))  # noqa: S311 — not a secret
    return max(delay, min(outcome.retry_after or 0, RETRY_AFTER_MAX))


def drop(delivery, token, reason):
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.leased_by == token)
        .values(status=DeliveryStatus.DROPPED, leased_by="", lease_until=None,
                last_error=reason[:500]).execution_options(synchronize_session=False))


# --- signing -------------------------------------------------------------------------------

def signature_header(secrets, delivery_id, timestamp, body):
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret, space-separated."""
    message = f"{delivery_id}.{timestamp}.{body}".encode()
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(secret), message, hashlib.sha256).digest()).decode()
        for secret in secrets)


def _key(secret):
    raw = secret.removeprefix("whsec_")
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def headers_for(job, timestamp):
    return {"content-type": "application/json", "user-agent": USER_AGENT,
            "webhook-id": str(job.delivery_id), "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(job.secrets, job.delivery_id, timestamp,
                                                  job.body)}


# --- the request ---------------------------------------------------------------------------

def send(job, *, allow_loopback=False):
    """POST the job; an Outcome whatever happens (never raises)."""
    if not job.secrets:
        return Outcome(error="no readable secret (SECRET_KEY changed?): rotate the secret")
    try:
        target = checked_target(job.url, allow_loopback=allow_loopback)
    except Refused as refusal:
        return Outcome(error=f"refused: {refusal}")
    # The receiver compares webhook-timestamp with its own clock: the real time, not the
    # application's (a frozen test clock included).
    timestamp = int(time.time())
    try:
        return _post(target, job.body.encode(), headers_for(job, timestamp))
    except (OSError, http.client.HTTPException, ssl.SSLError) as error:
        return Outcome(error=f"{type(error).__name__}: {error}")


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str          # the name, for Host, SNI and the certificate check
    address: str       # the checked address the connection goes to
    port: int
    path: str


def checked_target(url, *, allow_loopback=False):
    """Where `url` may be called: its host resolved once and every address checked."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Refused("not an http(s) URL")
    if parts.username or parts.password:
        raise Refused("credentials in the URL")
    if not valid_port(parts):
        raise Refused("not a valid port")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise Refused(f"cannot resolve {parts.hostname}: {error}") from error
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise Refused(f"no address for {parts.hostname}")
    loopback = allow_loopback and all(address.is_loopback for address in addresses)
    if not loopback:
        for address in addresses:
            if reason := refused_address(address):
                raise Refused(f"{address} is {reason}")
        if parts.scheme != "https":
            raise Refused("https only")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, str(addresses[0]), port, path)


def valid_port(parts):
    """Whether a urlsplit result's port (if any) is a port number (urllib raises otherwise)."""
    try:
        return parts.port is None or parts.port > 0
    except ValueError:
        return False


def refused_literal(host, *, allow_loopback=False):
    """Why an address written in the URL itself is refused ("" for a name, or an allowed one):
    said when the endpoint is registered; names are checked at each delivery."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ""
    if allow_loopback and address.is_loopback:
        return ""
    return refused_address(address)


def refused_address(address):
    """Why a delivery may not go to `address` (an ipaddress object), or "" when it may."""
    if address.version == 6 and address.ipv4_mapped is not None:
        return "IPv4-mapped"
    checks = (("loopback", address.is_loopback), ("private", address.is_private),
              ("link-local", address.is_link_local), ("multicast", address.is_multicast),
              ("unspecified", address.is_unspecified), ("reserved", address.is_reserved),
              ("CGNAT", address in CGNAT), ("in 0.0.0.0/8", address in THIS_NETWORK),
              ("unique-local", address in UNIQUE_LOCAL), ("not global", not address.is_global))
    return next((name for name, hit in checks if hit), "")


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a fixed address, the certificate checked against the host name."""

    def __init__(self, target, **kwargs):
        super().__init__(target.address, target.port, context=ssl.create_default_context(),
                         **kwargs)
        self._server_name = target.host

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_name)


def _post(target, body, headers):
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, timeout=TIMEOUT_SECONDS)
    else:
        connection = http.client.HTTPConnection(target.address, target.port,
                                                timeout=TIMEOUT_SECONDS)
    try:
        connection.putrequest("POST", target.path, skip_host=True, skip_accept_encoding=True)
        port = "" if target.port == (443 if target.scheme == "https" else 80) else f":{target.port}"
        connection.putheader("Host", target.host + port)
        for name, value in {**headers, "content-length": str(len(body))}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        head = response.read(RESPONSE_KEPT).decode("utf-8", errors="replace")
        return Outcome(code=response.status, body=head,
                       retry_after=parse_retry_after(response.getheader("Retry-After")))
    finally:
        connection.close()


def parse_retry_after(value):
    """Seconds from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    if value.strip().isdigit():
        return int(value.strip())
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(int((at - clock.now()).total_seconds()), 0) if at.tzinfo else None
