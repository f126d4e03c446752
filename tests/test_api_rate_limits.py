"""API_RATE_LIMIT counts each token's requests over the whole /api/v1 (every route, one
counter); beyond it a 429 problem with Retry-After. Another token, and a request without a
token, are not held back by it."""
import pytest

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db

from .api_helpers import assert_problem, bearer, make_token


@pytest.fixture
def limited(app):
    """An instance with limits on: API_RATE_LIMIT of 3 a minute."""
    config = type("Limited", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    instance = create_app(config)
    yield instance.test_client()
    with instance.app_context():
        db.engine.dispose()


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
