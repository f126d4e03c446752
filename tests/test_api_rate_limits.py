"""API_RATE_LIMIT counts each token's requests over the whole /api/v1 (every route, one
counter); beyond it a 429 problem with Retry-After. Another token, and a request without a
token, are not held back by it."""
import uuid

import pytest
import redis

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db

from .api_helpers import assert_problem, bearer, make_token

REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def make_instance(app):
    """Instances of the app (hosts) on the test database with limits on: 3 a minute."""
    made = []

    def make(**settings):
        config = type("Limited", (TestingConfig,), {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute", **settings})
        made.append(create_app(config))
        return made[-1].test_client()
    yield make
    for instance in made:
        with instance.app_context():
            db.engine.dispose()


@pytest.fixture
def limited(make_instance):
    return make_instance()


def test_a_token_beyond_its_limit_gets_429_with_retry_after(limited, world, case):
    secret = make_token(world.users["manager"])
    first = limited.get("/api/v1/cases", headers=bearer(secret))
    assert first.status_code == 200 and first.headers["X-RateLimit-Limit"] == "3"
    limited.get(f"/api/v1/cases/{case.id}", headers=bearer(secret))     # another route, ...
    limited.get("/api/v1/cases/999999", headers=bearer(secret))          # ... even a 404, counts
    refused = limited.get("/api/v1/cases", headers=bearer(secret))
    body = assert_problem(refused, 429)
    assert body["title"] == "请求过于频繁"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_each_token_has_its_own_count(limited, world):
    first, second = make_token(world.users["manager"]), make_token(world.users["manager"])
    for _ in range(3):
        limited.get("/api/v1/cases", headers=bearer(first))
    assert limited.get("/api/v1/cases", headers=bearer(first)).status_code == 429
    assert limited.get("/api/v1/cases", headers=bearer(second)).status_code == 200


def test_requests_without_a_live_token_are_not_counted_against_a_token(limited, world):
    secret = make_token(world.users["manager"])
    for _ in range(5):
        assert_problem(limited.get("/api/v1/cases"), 401)
        assert_problem(limited.get("/api/v1/cases", headers=bearer("psk_unknown")), 401)
    assert limited.get("/api/v1/cases", headers=bearer(secret)).status_code == 200


def test_the_limit_is_off_in_the_test_configuration(client, world):
    secret = make_token(world.users["manager"])
    for _ in range(5):
        assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200


def test_hosts_sharing_redis_share_a_token_s_count(make_instance, world):
    prefix = f"proxy-service-test-{uuid.uuid4().hex}"
    first, second = (make_instance(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix)
                     for _ in range(2))
    secret = make_token(world.users["manager"])
    server = redis.Redis.from_url(REDIS_URL)
    try:
        for client in (first, second, first):
            assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
        assert_problem(second.get("/api/v1/cases", headers=bearer(secret)), 429)
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
