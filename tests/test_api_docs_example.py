"""The Python examples of docs/api.md work as written: its functions, run against the app on
127.0.0.1 with `requests`, list the open cases page by page and update a step with If-Match,
reading again on 412 instead of overwriting; its webhook receiver, served on 127.0.0.1, takes
a delivery of `flask webhooks deliver`, skips a repeat of it and refuses a tampered body."""
import re
import time

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from config import BASE_DIR
from proxy_service.api.webhook_payloads import render
from proxy_service.core.extensions import db
from proxy_service.models import Step, StepStatus, WebhookDelivery
from proxy_service.notifications import webhook_delivery
from proxy_service.notifications.webhook_events import signing_secrets
from proxy_service.workflow import webhooks

from .api_helpers import make_token
from .serving import serve

EXAMPLE = re.compile(r'```python\n("""Sync my open cases.*?)```', re.S)
RECEIVER = re.compile(r'```python\n("""A receiver \(pip install.*?)```', re.S)


@pytest.fixture
def served(app):
    """The app on 127.0.0.1 (one request at a time, as the test client would)."""
    server = make_server("127.0.0.1", 0, app)
    stop = serve(server)
    yield f"http://127.0.0.1:{server.server_port}"
    stop()


def _example(base, secret):
    """The example's definitions (up to its loop over the open cases), pointed at `base`
    with `secret`."""
    code = EXAMPLE.search((BASE_DIR / "docs" / "api.md").read_text()).group(1)
    code = code.replace("https://zone.example.cn", base).replace("psk_…", secret)
    definitions = code.split("\nfor status in OPEN:")[0]
    namespace = {"__name__": "docs_example"}
    exec(definitions, namespace)   # noqa: S102 — our own documentation, run as a reader would
    return namespace


def test_the_python_example_lists_pages_and_updates_with_if_match(served, world):
    cases = [world.case()]
    db.session.commit()
    secret = make_token(world.users["agent"])
    example = _example(served, secret)
    assert [case["id"] for case in example["cases"]("in_progress")] == [case.id for case in cases]

    step = cases[0].steps[0]
    seen = []

    def start(current):
        seen.append(current["version"])
        if len(seen) == 1:   # someone else edits the step between our read and our write
            db.session.get(Step, step.id).acceptance_no = "他人修改"
            db.session.commit()
        return {"action": "start"} if "start" in current["actions"] else None

    updated = example["update_step"](cases[0].id, step.id, start)
    assert updated["status"] == "preparing" and len(seen) == 2 and seen[1] > seen[0]   # a 412, read again
    assert example["update_step"](cases[0].id, step.id, start) is None   # nothing left to do
    db.session.expire_all()
    assert db.session.get(Step, step.id).status is StepStatus.PREPARING


@pytest.fixture
def docs_receiver():
    """The receiver of docs/api.md on 127.0.0.1: `start(secret)` runs the example with the
    endpoint's secret in place of `whsec_…` and returns its definitions; the events it queues
    are kept in `queued`."""
    found = {"queued": []}
    server = make_server("127.0.0.1", 0, lambda environ, respond: found["app"](environ, respond))
    stop = serve(server)

    def start(secret):
        code = RECEIVER.search((BASE_DIR / "docs" / "api.md").read_text()).group(1)
        namespace = {"__name__": "docs_receiver"}
        exec(code.replace("whsec_…", secret), namespace)   # noqa: S102 — our own documentation
        namespace["queue_for_later"] = found["queued"].append   # the reader's own work
        found["app"] = namespace["app"]
        return namespace

    found["url"] = f"http://127.0.0.1:{server.server_port}/hooks/proxy-service"
    found["start"] = start
    yield found
    stop()


def test_the_receiver_example_takes_a_delivery_skips_a_repeat_and_refuses_a_tampered_body(
        app, world, monkeypatch, docs_receiver):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_LOOPBACK", True)
    manager = world.users["manager"]
    endpoint, secret = webhooks.create_endpoint(manager, url=docs_receiver["url"],
                                                events=["case.accepted"])
    docs_receiver["start"](secret)
    case = world.case(agent=None)   # accepted, waiting for an agent
    db.session.commit()

    webhooks.deliver_due(render)
    row = db.session.scalars(select(WebhookDelivery)).one()
    assert (row.status, row.response_code) == ("delivered", 204)
    assert [(e["type"], e["data"]["case"]["number"]) for e in docs_receiver["queued"]] == [
        ("case.accepted", case.number)]

    webhooks.send_again(row, manager)   # the same webhook-id again, as after a lost answer
    db.session.commit()
    webhooks.deliver_due(render)
    db.session.refresh(row)
    assert (row.status, row.response_code, row.attempts) == ("delivered", 204, 1)
    assert len(docs_receiver["queued"]) == 1   # skipped: already handled

    job = webhook_delivery.Job(row.id, endpoint.id, endpoint.url,
                               tuple(signing_secrets(endpoint)), row.payload)
    headers = webhook_delivery.headers_for(job, int(time.time()))
    tampered = row.payload.replace(case.number, "JZKFQ-2026-9999").encode()
    answer = requests.post(endpoint.url, data=tampered, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert len(docs_receiver["queued"]) == 1
