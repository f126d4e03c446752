"""Every POST under /api/v1 accepts an Idempotency-Key (the IETF httpapi draft): the first
answer to a key is kept for 24 hours per token and given again to a retry of the same request,
marked `Idempotency-Replayed: true`; the same key with another request is 422, while the first
still runs 409. Server errors are not kept.

No API route is a POST yet, so the tests add one: a blueprint registered, in their own
instance of the app, under the API blueprint (its name prefixed "api."), so that the API's own
hooks — the token check, the keys, the problems — run for it as for any route of /api/v1."""
import threading
from datetime import timedelta

import pytest
from flask import jsonify, request

from config import TestingConfig
from proxy_service import create_app
from proxy_service.api.base import ApiBlueprint
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.identity import idempotency
from proxy_service.models import ApiToken, IdempotencyKey

from .api_helpers import assert_problem, bearer, make_token

THINGS = "/api/v1/test/things"
SLOW = "/api/v1/test/slow"
made = []
started, finish = threading.Event(), threading.Event()   # the slow request's two moments
probe = ApiBlueprint("test", __name__)


@probe.route("/things", methods=["POST"], tags=["probe"])   # not a reference section
def make_thing():
    made.append(request.get_json()["name"])
    response = jsonify({"id": len(made), "name": made[-1]})
    response.status_code = 201
    response.headers.update({"Location": f"{THINGS}/{len(made)}", "ETag": '"1"'})
    return response


@probe.route("/slow", methods=["POST"], tags=["probe"])   # not a reference section
def make_slowly():
    started.set()
    finish.wait(10)
    made.append("slow")
    return jsonify({"id": len(made)}), 201


@probe.route("/broken", methods=["POST"], tags=["probe"])   # not a reference section
def break_down():
    made.append("broken")
    raise RuntimeError("the server fails")


@pytest.fixture
def api(app):
    """An instance of the app with the probe under the API blueprint."""
    made.clear()
    started.clear()
    finish.clear()
    config = type("Probed", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "PROPAGATE_EXCEPTIONS": False})
    instance = create_app(config)
    contract = instance.extensions["flask-smorest"]["blp_name_to_api"]["api"]
    contract.register_blueprint(probe, url_prefix="/api/v1/test", name="api.test")
    yield instance.test_client()
    with instance.app_context():
        db.engine.dispose()


@pytest.fixture
def secret(world):
    return make_token(world.users["manager"])


def post(api, secret, key, body=None, path=THINGS, **headers):
    return api.post(path, json=body or {"name": "一号"},
                    headers=bearer(secret, **{"Idempotency-Key": key}, **headers))


def test_a_retry_with_the_same_key_gets_the_first_answer_without_a_second_effect(api, secret):
    first = post(api, secret, "order-1")
    assert first.status_code == 201 and "Idempotency-Replayed" not in first.headers
    again = post(api, secret, "order-1")
    assert again.status_code == 201 and again.headers["Idempotency-Replayed"] == "true"
    assert again.get_json() == first.get_json() == {"id": 1, "name": "一号"}
    assert again.headers["Location"] == first.headers["Location"] == f"{THINGS}/1"
    assert again.headers["ETag"] == '"1"' and again.mimetype == "application/json"
    assert made == ["一号"]


def test_without_a_key_every_post_runs(api, secret):
    for _ in range(2):
        assert api.post(THINGS, json={"name": "一号"}, headers=bearer(secret)).status_code == 201
    assert made == ["一号", "一号"]


def test_another_key_is_another_request(api, secret):
    post(api, secret, "order-1")
    assert post(api, secret, "order-2").get_json()["id"] == 2


@pytest.mark.parametrize("other", [{"body": {"name": "二号"}}, {"path": f"{THINGS}?x=1"},
                                   {"path": "/api/v1/test/broken"}])
def test_the_same_key_with_another_request_is_422(api, secret, other):
    post(api, secret, "order-1")
    body = assert_problem(post(api, secret, "order-1", **other), 422)
    assert "Idempotency-Key" in body["detail"]
    assert made == ["一号"]


def test_keys_are_the_token_s_own(api, world, secret):
    post(api, secret, "order-1")
    colleague = make_token(world.users["manager"], name="另一个系统")
    response = post(api, colleague, "order-1", {"name": "二号"})
    assert response.status_code == 201 and "Idempotency-Replayed" not in response.headers
    assert made == ["一号", "二号"]


def test_while_the_first_request_runs_the_same_key_is_409(api, secret):
    first = {}
    runner = threading.Thread(target=lambda: first.update(
        answer=post(api, secret, "order-1", path=SLOW)))
    runner.start()
    try:
        assert started.wait(10), "the first request reached the view"
        body = assert_problem(post(api, secret, "order-1", path=SLOW), 409)
        assert "仍在处理中" in body["detail"]
    finally:
        finish.set()
        runner.join(10)
    assert first["answer"].status_code == 201 and made == ["slow"]
    assert post(api, secret, "order-1", path=SLOW).headers["Idempotency-Replayed"] == "true"


def test_a_claim_abandoned_by_a_killed_worker_is_given_up(api, world, secret):
    token = _token(world)
    idempotency.claim(token, "order-1", "whatever the first one was")
    clock.freeze(clock.now() + idempotency.ABANDONED_AFTER + timedelta(seconds=1))
    assert post(api, secret, "order-1").status_code == 201
    assert made == ["一号"]


def test_a_key_is_kept_for_24_hours(api, secret):
    start = clock.now()
    post(api, secret, "order-1")
    clock.freeze(start + timedelta(hours=23, minutes=59))
    assert post(api, secret, "order-1").headers.get("Idempotency-Replayed") == "true"
    clock.freeze(start + timedelta(hours=24, seconds=1))
    again = post(api, secret, "order-1")
    assert again.status_code == 201 and "Idempotency-Replayed" not in again.headers
    assert made == ["一号", "一号"]


def test_expired_keys_are_deleted_when_keys_are_written(api, secret):
    start = clock.now()
    post(api, secret, "order-1")
    clock.freeze(start + timedelta(days=2))
    post(api, secret, "order-2")
    assert db.session.scalar(db.select(db.func.count()).select_from(
        IdempotencyKey)) == 1


def test_a_server_error_is_not_kept_so_the_retry_runs_again(api, secret):
    for _ in range(2):
        assert_problem(post(api, secret, "order-1", path="/api/v1/test/broken"), 500)
    assert made == ["broken", "broken"]


@pytest.mark.parametrize("key", ["", "x" * 256, "键", "a\tb"])
def test_a_key_that_is_no_valid_key_is_400(api, secret, key):
    assert_problem(post(api, secret, key), 400)
    assert made == []


def test_a_quoted_key_is_the_same_key(api, secret):
    post(api, secret, '"order-1"')
    assert post(api, secret, "order-1").headers.get("Idempotency-Replayed") == "true"


def test_a_request_without_a_token_keeps_no_key(api, secret):
    response = api.post(THINGS, json={"name": "一号"}, headers={"Idempotency-Key": "order-1"})
    assert_problem(response, 401)
    assert post(api, secret, "order-1").status_code == 201


def test_the_contract_names_the_header_on_every_post(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    posts = [operations["post"] for operations in spec["paths"].values() if "post" in operations]
    keys = [[p for p in post.get("parameters", []) if p["name"] == "Idempotency-Key"]
            for post in posts]
    assert len(posts) >= 3 and all(len(key) == 1 for key in keys)
    assert all(key[0]["in"] == "header" and not key[0]["required"]
               and key[0]["schema"]["maxLength"] == 255 for key in keys)


def _token(world):
    return db.session.scalars(db.select(ApiToken).where(
        ApiToken.user_id == world.users["manager"].id)).one()


@pytest.mark.parametrize("key", ["", "键"])
def test_a_public_post_refuses_a_key_that_is_no_valid_key_too(api, key):
    """The contract states the key's form on every POST, the public /verify included."""
    response = api.post("/api/v1/verify", json={"number": "JZKFQ-DB-2026-000001", "code": "A1"},
                        headers={"Idempotency-Key": key})
    assert_problem(response, 400)
    assert api.post("/api/v1/verify", json={"number": "JZKFQ-DB-2026-000001", "code": "A1"},
                    headers={"Idempotency-Key": "order-1"}).status_code == 200




def test_a_form_with_empty_parts_is_compared_too(client, world):
    """Found by the contract test: a multipart form whose parts are empty answered 500 (the
    parts could not be put in order to compare the form with another)."""
    secret = make_token(world.users["owner"])
    answer = client.post(f"/api/v1/cases/{world.case().id}/documents",
                         data={"\r": None, "": None}, content_type="multipart/form-data",
                         headers=bearer(secret, **{"Idempotency-Key": "empty-parts"}))
    assert answer.status_code == 422
