"""Brute force: a per-account lockout kept in the database (several app instances share it) and
per-IP rate limits (Flask-Limiter, shared through Redis when configured)."""
import re
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace

import flask_limiter._extension as flask_limiter_extension
import pytest
import redis

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core import clock, limiter_health
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor

from .factories import PASSWORD, TOTP_SECRET

REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def make_app(app):
    """Another instance of the application on the same database: a second worker or host."""
    made = []

    def make(**settings):
        config = type("Instance", (TestingConfig,), {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **settings})
        instance = create_app(config)
        made.append(instance)
        return instance
    yield make
    for instance in made:
        with instance.app_context():
            db.engine.dispose()


def attempt(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def message(response):
    return re.search(r'<div class="alert alert-danger[^"]*"[^>]*>(.*?)</div>', response.text, re.S).group(1)


# --- lockout -----------------------------------------------------------------------------------

def test_five_failures_lock_the_account_even_for_the_right_password(client, world):
    for _ in range(5):
        assert attempt(client, "ent1", "wrong").status_code == 401
    locked = attempt(client, "ent1", PASSWORD)
    assert locked.status_code == 401
    assert "/login" in client.get("/cases").headers["Location"]
    db.session.refresh(world.users["owner"])
    assert world.users["owner"].locked_until > clock.now()


def test_unknown_user_wrong_password_and_locked_account_get_the_same_answer(client, world):
    unknown = attempt(client, "nobody", "wrong")
    wrong = attempt(client, "ent1", "wrong")
    for _ in range(4):
        attempt(client, "ent1", "wrong")
    locked = attempt(client, "ent1", PASSWORD)
    assert unknown.status_code == wrong.status_code == locked.status_code == 401
    assert message(unknown) == message(wrong) == message(locked)
    assert "用户名或密码错误" in message(locked) and "锁定" not in locked.text


def test_the_lock_ends_after_fifteen_minutes(client, world, frozen_clock):
    frozen_clock(2025, 6, 2, 9)
    for _ in range(5):
        attempt(client, "ent1", "wrong")
    clock.freeze(clock.now() + timedelta(minutes=14))
    assert attempt(client, "ent1", PASSWORD).status_code == 401
    clock.freeze(clock.now() + timedelta(minutes=2))
    assert attempt(client, "ent1", PASSWORD).status_code == 302
    db.session.refresh(world.users["owner"])
    assert (world.users["owner"].failed_logins, world.users["owner"].locked_until) == (0, None)


def test_a_successful_login_resets_the_count(client, world):
    for _ in range(4):
        attempt(client, "ent1", "wrong")
    assert attempt(client, "ent1", PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        attempt(client, "ent1", "wrong")
    assert attempt(client, "ent1", PASSWORD).status_code == 302


def test_lock_settings_are_configurable(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 2)
    attempt(client, "ent1", "wrong")
    attempt(client, "ent1", "wrong")
    assert attempt(client, "ent1", PASSWORD).status_code == 401


def test_wrong_one_time_codes_count_too(client, world):
    agent = world.users["agent"]
    twofactor.enrol_with_secret(agent, TOTP_SECRET)
    db.session.commit()
    attempt(client, "agent1", PASSWORD)
    for _ in range(4):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 401
    last = client.post("/login/code", data={"code": "000000"})
    assert last.status_code == 302 and last.headers["Location"].endswith("/login")
    assert attempt(client, "agent1", PASSWORD).status_code == 401   # locked: no code page either


def test_two_app_instances_on_one_database_share_the_lockout(client, world, make_app):
    other = make_app().test_client()
    for _ in range(3):
        assert attempt(client, "ent1", "wrong").status_code == 401
    for _ in range(2):
        assert attempt(other, "ent1", "wrong").status_code == 401
    assert attempt(other, "ent1", PASSWORD).status_code == 401
    assert attempt(client, "ent1", PASSWORD).status_code == 401


def test_two_instances_share_the_count_below_the_limit_too(client, world, make_app):
    other = make_app().test_client()
    for _ in range(2):
        attempt(client, "ent1", "wrong")
    for _ in range(2):
        attempt(other, "ent1", "wrong")
    assert attempt(other, "ent1", PASSWORD).status_code == 302   # 4 < 5: still open ...
    db.session.refresh(world.users["owner"])
    assert world.users["owner"].failed_logins == 0                   # ... and the count reset


# --- rate limits -------------------------------------------------------------------------------

def test_login_posts_are_rate_limited_per_ip_with_a_friendly_page(world, make_app):
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()
    for _ in range(3):
        assert attempt(client, "nobody", "x").status_code == 401
    refused = attempt(client, "ent1", PASSWORD)
    assert refused.status_code == 429 and "请求过于频繁" in refused.text
    assert "Retry-After" in refused.headers
    assert client.get("/login").status_code == 200          # only the POST is limited


def test_the_code_step_is_rate_limited_too(world, make_app):
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute").test_client()
    for _ in range(2):
        client.post("/login/code", data={"code": "000000"})
    assert client.post("/login/code", data={"code": "000000"}).status_code == 429


def test_registration_is_rate_limited(world, make_app):
    client = make_app(RATELIMIT_ENABLED=True, REGISTER_RATE_LIMIT="2 per hour").test_client()
    for _ in range(2):
        assert client.post("/register", data={}).status_code != 429
    assert client.post("/register", data={}).status_code == 429
    assert client.get("/register").status_code == 200


def test_verify_pages_are_rate_limited(world, make_app):
    instance = make_app(RATELIMIT_ENABLED=True, VERIFY_RATE_LIMIT="2 per minute")
    verify_rules = [r for r in instance.url_map.iter_rules() if r.rule == "/verify"]
    assert verify_rules, "the public /verify page exists"
    client = instance.test_client()
    for _ in range(2):
        assert client.get("/verify").status_code != 429
    assert client.get("/verify").status_code == 429


def test_limits_are_off_in_the_test_configuration(client, world):
    for _ in range(30):
        assert attempt(client, "nobody", "x").status_code == 401


def test_each_memory_store_counts_only_its_own_instance(world, make_app):
    first = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()
    second = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()
    for _ in range(3):
        attempt(first, "nobody", "x")
    assert attempt(second, "nobody", "x").status_code == 401   # why hosts need Redis


def test_two_instances_sharing_redis_share_the_limit(world, make_app):
    prefix = f"proxy-service-test-{uuid.uuid4().hex}"
    settings = dict(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute",
                    RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    server = redis.Redis.from_url(REDIS_URL)
    try:
        assert attempt(first, "nobody", "x").status_code == 401
        assert attempt(first, "nobody", "x").status_code == 401
        assert attempt(second, "nobody", "x").status_code == 401
        assert attempt(second, "nobody", "x").status_code == 429
        assert attempt(first, "nobody", "x").status_code == 429
        assert list(server.scan_iter(f"*{prefix}*")), "the counters are in Redis"
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)


# --- a rate-limit store that does not answer -----------------------------------------------------

# Nothing listens on port 1: every call to this "Redis" fails at once (connection refused).
DEAD_REDIS = "redis://127.0.0.1:1"


@pytest.fixture
def dead_store_app(world, make_app):
    """An instance whose rate-limit counters live in a Redis that is down."""
    return lambda **limits: make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=DEAD_REDIS,
                                     **limits)


def test_login_answers_when_the_rate_limit_store_is_down(dead_store_app, caplog):
    client = dead_store_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    with caplog.at_level("WARNING"):
        wrong = attempt(client, "ent1", "wrong")
    assert wrong.status_code == 401 and "用户名或密码错误" in message(wrong)
    assert any(r.levelname == "WARNING" and "in-memory" in r.getMessage() for r in caplog.records)
    assert attempt(client, "ent1", PASSWORD).status_code == 302


def test_a_down_store_falls_back_to_a_limit_in_memory(dead_store_app):
    client = dead_store_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    for _ in range(3):
        assert attempt(client, "nobody", "x").status_code == 401
    refused = attempt(client, "nobody", "x")
    assert refused.status_code == 429 and "请求过于频繁" in refused.text


def test_registration_answers_and_is_limited_when_the_store_is_down(dead_store_app):
    client = dead_store_app(REGISTER_RATE_LIMIT="2 per hour").test_client()
    assert client.get("/register").status_code == 200
    for _ in range(2):
        assert client.post("/register", data={}).status_code == 422
    assert client.post("/register", data={}).status_code == 429


def test_verify_answers_and_is_limited_when_the_store_is_down(dead_store_app):
    client = dead_store_app(VERIFY_RATE_LIMIT="2 per minute").test_client()
    for _ in range(2):
        response = client.post("/verify", data={"number": "", "code": ""})
        assert response.status_code == 422 and 'name="number"' in response.text
    assert client.post("/verify", data={"number": "", "code": ""}).status_code == 429


# --- what /healthz says about the store ----------------------------------------------------------

def test_healthz_says_degraded_but_still_200_when_the_store_is_down(dead_store_app):
    response = dead_store_app().test_client().get("/healthz")
    assert response.status_code == 200   # the balancer keeps the host: logins still work
    assert response.json == {"status": "degraded", "database": "ok", "rate_limit_storage": "degraded"}


def test_healthz_reports_the_limiters_own_fallback(dead_store_app, monkeypatch):
    # Flask-Limiter tries a failed store again a second after it last tried (then 2 s, 4 s,
    # ...): its clock stands still here, so a slow machine cannot let it recover mid-test.
    stopped = time.time()
    monkeypatch.setattr(flask_limiter_extension, "time", SimpleNamespace(time=lambda: stopped))
    instance = dead_store_app(VERIFY_RATE_LIMIT="5 per minute")
    client = instance.test_client()
    store = instance.extensions["rate_limit_health"].limiter.storage
    monkeypatch.setattr(store, "check", lambda: True)    # the store answers a ping...
    assert client.get("/healthz").json["rate_limit_storage"] == "ok"
    client.get("/verify")                                # ...but a counted request failed there
    assert client.get("/healthz").json["rate_limit_storage"] == "degraded"


def test_the_store_is_pinged_at_most_every_ten_seconds_and_only_by_healthz(dead_store_app,
                                                                            monkeypatch):
    instance = dead_store_app()
    now = [1000.0]
    monkeypatch.setattr(limiter_health, "monotonic", lambda: now[0])
    answers, pings = iter([False, True]), []
    store = instance.extensions["rate_limit_health"].limiter.storage
    monkeypatch.setattr(store, "check", lambda: pings.append(now[0]) or next(answers))
    client = instance.test_client()
    states = []
    for now[0] in (1000.0, 1001.0, 1009.9, 1010.0, 1015.0):
        states.append(client.get("/healthz").json["rate_limit_storage"])
    for now[0] in (1100.0, 1200.0):
        assert client.get("/login").status_code == 200
    assert pings == [1000.0, 1010.0]
    assert states == ["degraded", "degraded", "degraded", "ok", "ok"]


def test_healthz_says_ok_when_the_store_answers(make_app):
    response = make_app(RATELIMIT_ENABLED=True).test_client().get("/healthz")   # memory://
    assert response.json == {"status": "ok", "database": "ok", "rate_limit_storage": "ok"}
