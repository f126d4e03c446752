"""Webhook endpoints through the API (scope webhooks:manage): the pages' rules, the secret in
the creating answer only, the token's name in the audit log."""
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent

from .api_helpers import assert_problem, bearer, make_token

HOOK = {"url": "https://erp.example.com/hook", "events": ["case.accepted", "step.returned"]}


def test_an_enterprise_token_registers_an_endpoint_and_gets_its_secret_once(client, world):
    secret = make_token(world.users["owner"])
    created = client.post("/api/v1/webhooks", json=HOOK, headers=bearer(secret))
    assert created.status_code == 201
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == HOOK["events"]
    assert body["state"] == "active"

    read = client.get(f"/api/v1/webhooks/{body['id']}", headers=bearer(secret)).get_json()
    assert "secret" not in read and read["url"] == HOOK["url"]
    listed = client.get("/api/v1/webhooks", headers=bearer(secret)).get_json()
    assert [endpoint["id"] for endpoint in listed] == [body["id"]]
    comment = db.session.scalar(select(AuditEvent.comment).where(
        AuditEvent.action == "webhook_create"))
    assert "项目管理系统" in comment   # the token's name


def test_a_test_event_rotation_and_the_log(client, world):
    secret = make_token(world.users["manager"])
    endpoint = client.post("/api/v1/webhooks", json=HOOK, headers=bearer(secret)).get_json()
    queued = client.post(f"/api/v1/webhooks/{endpoint['id']}/test", headers=bearer(secret))
    assert queued.status_code == 202 and queued.get_json()["event_type"] == "webhook.test"
    log = client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=bearer(secret))
    assert [row["status"] for row in log.get_json()] == ["pending"]
    rotated = client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate", headers=bearer(secret))
    assert rotated.get_json()["secret"] not in (endpoint["secret"], None)
    disabled = client.post(f"/api/v1/webhooks/{endpoint['id']}/disable", headers=bearer(secret))
    assert disabled.get_json()["state"] == "disabled"
    assert_problem(client.post(f"/api/v1/webhooks/{endpoint['id']}/test",
                               headers=bearer(secret)), 422)


def test_refused_input_and_callers(client, world):
    manager = make_token(world.users["manager"])
    body = assert_problem(client.post("/api/v1/webhooks", json={**HOOK, "events": ["case.x"]},
                                      headers=bearer(manager)), 422)
    assert "events.0" in body["errors"]
    assert_problem(client.post("/api/v1/webhooks", json={**HOOK, "url": "http://erp.example.com"},
                               headers=bearer(manager)), 422)
    agent = make_token(world.users["agent"])
    assert_problem(client.post("/api/v1/webhooks", json=HOOK, headers=bearer(agent)), 403)
    assert client.get("/api/v1/webhooks", headers=bearer(agent)).get_json() == []


def test_the_contract_lists_the_refusal_of_a_move_the_endpoint_state_does_not_allow(client):
    """A test event or a delivery sent again to a disabled endpoint is 422 (as above): each
    action the contract lists says so, though it has no body."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/webhooks/{endpoint_id}/test",
                 "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/again"):
        assert "422" in paths[path]["post"]["responses"]


def test_an_endpoint_is_changed_with_the_etag_it_was_read_with(client, world):
    secret = make_token(world.users["manager"])
    endpoint = client.post("/api/v1/webhooks", json=HOOK, headers=bearer(secret)).get_json()
    url = f"/api/v1/webhooks/{endpoint['id']}"
    read = client.get(url, headers=bearer(secret))
    changed = client.patch(url, json={"events": ["case.completed"], "url": "https://erp.example.com/v2"},
                           headers=bearer(secret, **{"If-Match": read.headers["ETag"]}))
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["events"] == ["case.completed"] and body["url"] == "https://erp.example.com/v2"
    assert body["description"] == endpoint["description"]   # left out: kept
    assert changed.headers["ETag"] not in (read.headers["ETag"], None)
    assert client.get(url, headers=bearer(secret)).headers["ETag"] == changed.headers["ETag"]
    comment = db.session.scalar(select(AuditEvent.comment).where(
        AuditEvent.action == "webhook_edit"))
    assert "https://erp.example.com/v2" in comment and "项目管理系统" in comment


def test_a_change_without_the_current_etag_is_refused_and_nothing_is_written(client, world):
    secret = make_token(world.users["owner"])
    endpoint = client.post("/api/v1/webhooks", json=HOOK, headers=bearer(secret)).get_json()
    url = f"/api/v1/webhooks/{endpoint['id']}"
    first = client.get(url, headers=bearer(secret)).headers["ETag"]
    assert_problem(client.patch(url, json={"description": "ERP"}, headers=bearer(secret)), 428)
    assert_problem(client.patch(url, json={"description": "ERP"},
                                headers=bearer(secret, **{"If-Match": "*"})), 428)
    client.patch(url, json={"description": "ERP"}, headers=bearer(secret, **{"If-Match": first}))
    stale = client.patch(url, json={"events": ["case.completed"]},
                         headers=bearer(secret, **{"If-Match": first}))
    assert_problem(stale, 412)
    now = client.get(url, headers=bearer(secret)).get_json()
    assert now["events"] == HOOK["events"] and now["description"] == "ERP"


def test_a_change_the_rules_refuse_is_422_and_names_what_is_wrong(client, world):
    secret = make_token(world.users["manager"])
    endpoint = client.post("/api/v1/webhooks", json=HOOK, headers=bearer(secret)).get_json()
    url = f"/api/v1/webhooks/{endpoint['id']}"
    etag = {"If-Match": client.get(url, headers=bearer(secret)).headers["ETag"]}
    assert_problem(client.patch(url, json={"url": "http://erp.example.com"},
                                headers=bearer(secret, **etag)), 422)
    body = assert_problem(client.patch(url, json={"events": ["case.x"]},
                                       headers=bearer(secret, **etag)), 422)
    assert "events.0" in body["errors"]
    assert_problem(client.patch(url, json={"secret": "whsec_x"}, headers=bearer(secret, **etag)),
                   422)
    assert client.get(url, headers=bearer(secret)).get_json()["url"] == HOOK["url"]
