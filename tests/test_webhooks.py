"""Webhooks (docs/api.md "Webhooks"): events written with the change, signed per Standard
Webhooks (checked by the `standardwebhooks` package, as a receiver would), retried on the
schedule, refused where they could reach the inside, and only ever about what the endpoint's
owner sees."""
import ipaddress
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from proxy_service import workflow
from proxy_service.api.webhook_payloads import render
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    Grade,
    Notification,
    StepStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from proxy_service.models.webhooks import EVENTS
from proxy_service.notifications import webhook_delivery
from proxy_service.notifications.webhook_delivery import BACKOFF, Refused, checked_target
from proxy_service.workflow import quality, webhooks

from .factories import PASSWORD
from .serving import serve

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class Receiver:
    """A webhook receiver on 127.0.0.1 built on standardwebhooks: it verifies each request with
    the endpoint's secret, refuses a webhook-id it has already taken, and answers with the next
    of `codes` (the last one repeats)."""

    def __init__(self, codes=(200,), headers=None):
        self.codes, self.headers = list(codes), headers or {}
        self.secret = None
        self.requests, self.accepted, self.errors, self.seen_ids = [], [], [], set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0]
                if code == 200:
                    code = receiver.take(body, dict(self.headers))
                self.send_response(code)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok" if code == 200 else b"no" * 1000)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.close = serve(self.server)

    def take(self, body, headers):
        """200 and the event when verified and new; 400 otherwise (what a receiver does)."""
        try:
            event = self.verify(body, headers)
        except WebhookVerificationError as error:
            self.errors.append(str(error))
            return 400
        self.accepted.append(event)
        return 200

    def verify(self, body, headers):
        event = Webhook(self.secret).verify(body, headers)
        if headers["webhook-id"] in self.seen_ids:
            raise WebhookVerificationError("replayed webhook-id")
        self.seen_ids.add(headers["webhook-id"])
        return event


@pytest.fixture
def loopback(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", True)


@pytest.fixture
def receiver(loopback):
    made = []

    def make(*args, **kwargs):
        made.append(Receiver(*args, **kwargs))
        return made[-1]
    yield make
    for one in made:
        one.close()


def register(receiver, user, events=("case.accepted", "case.assigned", "step.updated")):
    endpoint, secret = webhooks.create_endpoint(user, url=receiver.url, events=events)
    receiver.secret = secret
    db.session.commit()
    return endpoint


def deliver():
    return webhooks.deliver_due(render)


def deliveries(endpoint):
    return db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id).order_by(WebhookDelivery.id)).all()


def test_every_delivery_is_signed_and_verified_by_the_receiver(world, receiver):
    to_center, to_enterprise = receiver(), receiver()
    register(to_center, world.users["manager"])
    register(to_enterprise, world.users["owner"])
    case = world.case(signed=False)   # submitted, accepted and assigned
    db.session.commit()

    stats = deliver()

    for side in (to_center, to_enterprise):
        assert side.errors == []
        assert [event["type"] for event in side.accepted] == ["case.accepted", "case.assigned"]
        assert {event["data"]["case"]["number"] for event in side.accepted} == {case.number}
    assert stats["delivered"] == 4
    assert all(row.status == "delivered" and row.response_code == 200
               for row in db.session.scalars(select(WebhookDelivery)))


def test_a_tampered_body_an_old_timestamp_and_a_replayed_id_are_rejected(world, receiver):
    hook = receiver()
    endpoint = register(hook, world.users["manager"], events=["case.accepted"])
    world.case(agent=None)
    db.session.commit()
    deliver()
    headers, body = hook.requests[0]
    assert len(hook.accepted) == 1

    with pytest.raises(WebhookVerificationError):
        hook.verify(body.replace(b"accepted", b"declined"), headers)
    old = int((datetime.now(UTC) - timedelta(minutes=10)).timestamp())
    resigned = {**headers, "webhook-timestamp": str(old),
                "webhook-signature": webhook_delivery.signature_header(
                    [hook.secret], headers["webhook-id"], old, body.decode())}
    with pytest.raises(WebhookVerificationError, match="too old"):
        hook.verify(body, resigned)
    with pytest.raises(WebhookVerificationError, match="replayed"):
        hook.verify(body, headers)
    assert headers["webhook-id"] == str(deliveries(endpoint)[0].id)


def test_500_four_times_then_200_delivers_once_after_the_backoff(world, receiver):
    clock.freeze(T0)
    hook = receiver(codes=(500, 500, 500, 500, 200))
    endpoint = register(hook, world.users["manager"], events=["case.accepted"])
    world.case(agent=None)
    db.session.commit()

    deliver()
    for retry, delay in enumerate(BACKOFF[:4], start=2):
        row = deliveries(endpoint)[0]
        assert row.status == "pending" and row.attempts == retry - 1
        assert timedelta(seconds=delay) <= row.next_attempt_at - clock.now() \
            <= timedelta(seconds=delay * 1.1)
        clock.freeze(clock.now() + timedelta(seconds=delay) - timedelta(seconds=1))
        deliver()   # not due yet: nothing sent
        assert len(hook.requests) == retry - 1
        clock.freeze(row.next_attempt_at)
        deliver()

    row = deliveries(endpoint)[0]
    assert len(hook.requests) == 5 and len(hook.accepted) == 1
    assert row.status == "delivered" and row.attempts == 5 and row.response_code == 200
    assert len({headers["webhook-id"] for headers, _body in hook.requests}) == 1


def test_retry_after_is_honoured(world, receiver):
    clock.freeze(T0)
    hook = receiver(codes=(503,), headers={"Retry-After": "7200"})
    endpoint = register(hook, world.users["manager"], events=["case.accepted"])
    world.case(agent=None)
    db.session.commit()
    deliver()
    assert deliveries(endpoint)[0].next_attempt_at - T0 >= timedelta(hours=2)


def test_the_response_is_logged_up_to_1_kb(world, receiver):
    hook = receiver(codes=(500,))
    endpoint = register(hook, world.users["manager"], events=["case.accepted"])
    world.case(agent=None)
    db.session.commit()
    deliver()
    row = deliveries(endpoint)[0]
    assert row.response_code == 500 and row.response_body == "no" * 512


def test_410_disables_the_endpoint(world, receiver):
    hook = receiver(codes=(410,))
    endpoint = register(hook, world.users["manager"], events=["case.accepted", "case.assigned"])
    case = world.case(agent=None)
    db.session.commit()
    deliver()
    assert endpoint.state == "disabled" and deliveries(endpoint)[0].status == "failed"

    workflow.assign_agent(case, world.users["manager"], world.users["agent"])
    db.session.commit()
    deliver()
    assert len(hook.requests) == 1   # nothing more is sent


def test_after_the_last_retry_the_endpoint_is_failing_and_its_owner_told(world, receiver):
    clock.freeze(T0)
    hook = receiver(codes=(500,))
    endpoint = register(hook, world.users["owner"], events=["case.accepted"])
    world.case(agent=None)
    db.session.commit()
    for _attempt in range(len(BACKOFF) + 1):
        deliver()
        row = deliveries(endpoint)[0]
        clock.freeze(max(clock.now(), row.next_attempt_at))

    assert row.status == "failed" and row.attempts == len(BACKOFF) + 1
    assert endpoint.state == "failing"
    told = db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "webhook_failing")).all()
    assert told == [world.users["owner"].id]
    assert clock.now() - T0 > timedelta(days=3)


def test_an_enterprise_endpoint_gets_its_own_cases_and_no_internal_note(world, receiver):
    own, other = receiver(), receiver()
    register(own, world.users["owner"], events=["step.updated"])
    register(other, world.users["other_enterprise"], events=["step.updated"])
    center = receiver()
    register(center, world.users["manager"], events=["step.updated"])
    case = world.case()
    step = case.steps[0]
    workflow.update_step(step, world.users["agent"], action="start", seen_version=step.version,
                         note="内部备注：企业法人不好沟通", internal=True)
    db.session.commit()
    deliver()

    assert [event["data"]["step"]["id"] for event in own.accepted] == [step.id]
    assert own.accepted[0]["data"]["step"]["status"] == StepStatus.PREPARING
    assert "企业法人" not in json.dumps(own.accepted, ensure_ascii=False)
    assert other.requests == []
    assert [event["type"] for event in center.accepted] == ["step.updated"]


def test_events_are_written_with_the_change_and_vanish_with_a_rollback(world, receiver):
    hook = receiver()
    endpoint = register(hook, world.users["manager"], events=["case.declined"])
    case = world.case(accepted=False)
    db.session.commit()
    workflow.decline_case(case, world.users["manager"], "材料不全")
    db.session.rollback()
    assert deliveries(endpoint) == []
    workflow.decline_case(case, world.users["manager"], "材料不全")
    db.session.commit()
    assert [row.event_type for row in deliveries(endpoint)] == ["case.declined"]


def test_during_a_rotation_both_secrets_sign(world, receiver):
    hook = receiver()
    endpoint = register(hook, world.users["manager"], events=["case.accepted"])
    old_secret = hook.secret
    hook.secret = webhooks.rotate_secret(endpoint, world.users["manager"])
    db.session.commit()
    world.case(agent=None)
    db.session.commit()
    deliver()
    headers, body = hook.requests[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old_secret).verify(body, headers)["type"] == "case.accepted"
    assert len(hook.accepted) == 1


def test_a_test_event_and_send_again(world, receiver):
    hook = receiver()
    endpoint = register(hook, world.users["owner"])
    webhooks.send_test_event(endpoint, world.users["owner"])
    db.session.commit()
    deliver()
    row = deliveries(endpoint)[0]
    webhooks.send_again(row, world.users["owner"])
    db.session.commit()
    deliver()
    assert [event["type"] for event in hook.accepted] == ["webhook.test"]
    assert hook.errors == ["replayed webhook-id"]   # the same id, as the receiver dedupes


@pytest.mark.parametrize("address", [
    "10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1",
    "100.127.255.254", "0.1.2.3", "224.0.0.1", "::1", "fc00::1", "fd12:3456::1", "fe80::1",
    "::ffff:8.8.8.8", "::ffff:127.0.0.1", "ff02::1", "240.0.0.1"])
def test_private_and_special_addresses_are_refused(address):
    assert webhook_delivery.refused_address(ipaddress.ip_address(address))


def test_public_addresses_are_allowed():
    for address in ("8.8.8.8", "2001:4860:4860::8888", "100.128.0.1"):
        assert webhook_delivery.refused_address(ipaddress.ip_address(address)) == ""


def test_urls_are_checked_where_they_resolve(app):
    with pytest.raises(Refused, match="loopback"):
        checked_target("https://localhost/hook")
    with pytest.raises(Refused, match="private"):
        checked_target("https://10.0.0.8/hook")
    with pytest.raises(Refused, match="https only"):
        checked_target("http://8.8.8.8/hook")
    assert checked_target("http://127.0.0.1:8080/h?x=1", allow_loopback=True).address == "127.0.0.1"
    target = checked_target("https://8.8.8.8/in")
    assert (target.address, target.host, target.path) == ("8.8.8.8", "8.8.8.8", "/in")


def test_a_refused_address_is_never_called(world, app, receiver, monkeypatch):
    hook = receiver()
    endpoint = register(hook, world.users["manager"], events=["case.accepted"])
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", False)
    world.case(agent=None)
    db.session.commit()
    deliver()
    row = deliveries(endpoint)[0]
    assert hook.requests == [] and row.status == "pending" and "loopback" in row.last_error


def test_an_enterprise_user_registers_an_endpoint_and_sees_the_secret_once(world, client,
                                                                            login_as, loopback):
    login_as(world.users["owner"])
    refused = client.post("/webhooks", data={"url": "https://erp.example.com/hook",
                                             "events": ["case.accepted"], "password": "wrong"})
    assert refused.status_code == 422 and "whsec_" not in refused.get_data(as_text=True)
    response = client.post("/webhooks", data={"url": "https://erp.example.com/hook",
                                              "events": ["case.accepted", "step.returned"],
                                              "password": PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "whsec_" in page
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    assert endpoint.enterprise_id == world.enterprises[0].id
    assert endpoint.event_list == ["case.accepted", "step.returned"]
    assert "whsec_" not in endpoint.secret   # stored encrypted

    again = client.get(f"/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "whsec_" not in again and "https://erp.example.com/hook" in again
    client.post(f"/webhooks/{endpoint.id}/test")
    assert [row.event_type for row in deliveries(endpoint)] == ["webhook.test"]
    assert "webhook.test" in client.get(f"/webhooks/{endpoint.id}").get_data(as_text=True)


def test_an_agent_has_no_webhook_pages(world, client, login_as):
    login_as(world.users["agent"])
    assert client.get("/webhooks").status_code == 403


def test_the_connection_goes_to_the_address_that_was_checked(world, receiver, monkeypatch):
    """The name is resolved once per delivery and the request sent to that address, with the
    name in Host: a DNS answer that changes between the check and the connection (rebinding)
    has no second lookup to change."""
    hook = receiver()
    port = hook.server.server_port
    register(hook, world.users["manager"], events=["case.accepted"])
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    endpoint.url = f"http://hooks.example.test:{port}/hook"
    db.session.commit()
    lookups = []

    def resolve(host, *args, **kwargs):
        if host == "127.0.0.1":   # the connection to the address (a literal: no DNS)
            return [(2, 1, 6, "", (host, port))]
        lookups.append(host)
        if len(lookups) > 1:   # a second lookup of the name would be told an inside address
            return [(2, 1, 6, "", ("10.0.0.1", port))]
        return [(2, 1, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(webhook_delivery.socket, "getaddrinfo", resolve)
    world.case(agent=None)
    db.session.commit()
    deliver()
    assert lookups == ["hooks.example.test"]
    assert len(hook.accepted) == 1
    assert hook.requests[0][0]["Host"] == f"hooks.example.test:{port}"


def test_a_run_stops_at_its_time_budget_and_leaves_the_rest_due(world, app, receiver,
                                                                 monkeypatch):
    hook = receiver()
    endpoint = register(hook, world.users["manager"], events=["case.accepted"])
    world.case(agent=None)
    db.session.commit()
    monkeypatch.setitem(app.config, "WEBHOOKS_TIME_BUDGET", 0)
    deliver()
    row = deliveries(endpoint)[0]
    assert hook.requests == [] and row.status == "pending" and row.attempts == 0
    monkeypatch.setitem(app.config, "WEBHOOKS_TIME_BUDGET", 50)
    deliver()
    assert len(hook.accepted) == 1


class Crowd:
    """Receivers on 127.0.0.1 (/hook/<n>, one per endpoint) that hold the first requests until
    `expected` of them are in at once, then a moment longer for one more — which comes only if
    the sender goes past its bound — and note the most requests they ever held together."""

    def __init__(self, expected):
        self.lock = threading.Condition()
        self.inside = self.most = 0
        self.opened = False
        crowd = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["content-length"]))
                with crowd.lock:
                    crowd.inside += 1
                    crowd.most = max(crowd.most, crowd.inside)
                    crowd.lock.notify_all()
                    if not crowd.opened:
                        crowd.lock.wait_for(lambda: crowd.inside >= expected or crowd.opened,
                                            timeout=8)
                        crowd.lock.wait_for(lambda: crowd.inside > expected or crowd.opened,
                                            timeout=0.5)
                        crowd.opened = True
                        crowd.lock.notify_all()
                    crowd.inside -= 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook/"
        self.close = serve(self.server)


@pytest.mark.parametrize("parallel", [1, 3])
def test_at_most_n_endpoints_are_sent_to_at_once(world, app, loopback, monkeypatch, parallel):
    monkeypatch.setitem(app.config, "WEBHOOKS_PARALLEL", parallel)
    crowd = Crowd(expected=parallel)
    try:
        for n in range(parallel + 2):   # more endpoints than may be sent to at once
            endpoint, _secret = webhooks.create_endpoint(
                world.users["manager"], url=f"{crowd.url}{n}", events=["case.accepted"])
            webhooks.send_test_event(endpoint, world.users["manager"])
        db.session.commit()

        stats = deliver()
    finally:
        crowd.close()

    assert stats["delivered"] == parallel + 2
    assert crowd.most == parallel   # the bound reached (in parallel when it is above 1), never passed


def test_deadline_alerts_are_events_too(app, world, receiver, frozen_clock):
    hook = receiver()
    register(hook, world.users["manager"], events=["deadline.yellow", "deadline.red"])
    case = world.case()
    step = next(s for s in case.steps if s.item.name == "建设工程规划许可证")
    frozen_clock(2026, 3, 2)
    for action in ("start", "submit"):
        workflow.update_step(step, world.users["agent"], seen_version=step.version,
                             action=action)
    db.session.commit()
    frozen_clock(2026, 3, 5)
    assert app.test_cli_runner().invoke(args=["check-deadlines"]).exit_code == 0
    frozen_clock(2026, 3, 10)
    assert app.test_cli_runner().invoke(args=["check-deadlines"]).exit_code == 0
    clock.freeze(None)
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert "delivered 2" in result.output, result.output
    assert [(event["type"], event["data"]["change"]["due_on"]) for event in hook.accepted] \
        == [("deadline.yellow", "2026-03-09"), ("deadline.red", "2026-03-09")]
    assert {event["data"]["step"]["id"] for event in hook.accepted} == {step.id}


def test_tls_goes_to_the_checked_address_and_verifies_the_host_name(monkeypatch):
    target = webhook_delivery.Target("https", "hooks.example.com", "203.0.113.5", 443, "/in")
    connection = webhook_delivery._PinnedHTTPSConnection(target, timeout=10)
    seen = {}
    monkeypatch.setattr(webhook_delivery.socket, "create_connection",
                        lambda address, timeout: seen.setdefault("address", address))
    monkeypatch.setattr(connection, "_context", type("Context", (), {
        "wrap_socket": lambda self, sock, server_hostname: seen.setdefault("sni", server_hostname),
        "check_hostname": connection._context.check_hostname,
        "verify_mode": connection._context.verify_mode})())
    connection.connect()
    assert seen == {"address": ("203.0.113.5", 443), "sni": "hooks.example.com"}
    assert connection._context.check_hostname and connection._context.verify_mode.name == "CERT_REQUIRED"


def test_a_case_s_life_as_events(world, receiver, frozen_clock):
    hook = receiver()
    register(hook, world.users["manager"], events=list(EVENTS))
    frozen_clock(2025, 6, 10)
    case = world.case()
    for step in case.steps:
        workflow.update_step(step, world.users["agent"], seen_version=step.version, action="skip",
                             not_required_reason="园区已统一办理")
    db.session.commit()
    quality.rate(case, world.users["owner"], grade=Grade.SATISFIED, efficiency=5, attitude=5,
                 expertise=5)
    db.session.commit()
    clock.freeze(None)
    deliver()
    assert [event["type"] for event in hook.accepted] == [
        "case.submitted", "case.accepted", "case.assigned", "agreement.signed",
        *["step.updated"] * len(case.steps), "case.completed", "evaluation.created"]
    assert hook.accepted[-1]["data"]["change"]["object"]["type"] == "evaluation"


@pytest.mark.parametrize("url", ["http://erp.example.com/hook", "https://10.0.0.8/hook",
                                 "https://[::1]/hook", "https://erp.example.com:99999/hook",
                                 "https://user:pw@erp.example.com/hook", "ftp://erp.example.com"])
def test_an_endpoint_is_refused_where_its_url_already_says_no(world, url):
    with pytest.raises(workflow.TransitionError):
        webhooks.create_endpoint(world.users["manager"], url=url, events=["case.accepted"])


def test_the_event_choices_are_in_the_readers_language(world, client, login_as):
    """The labels of the event check boxes are joined when the page is drawn, not when the form
    module is imported (outside a request, which would fix them in Chinese)."""
    login_as(world.users["owner"])
    english = client.get("/webhooks", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "case.accepted · Request accepted" in english and "申请已受理" not in english
    chinese = client.get("/webhooks", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "case.accepted · 申请已受理" in chinese
