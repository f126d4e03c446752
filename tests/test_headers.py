"""Security headers on every response, no inline script or style anywhere, and client
addresses taken from trusted proxies only (ProxyFix)."""
import json
import logging
import re
from pathlib import Path

import pytest
from flask import request

from config import BASE_DIR, TestingConfig
from proxy_service import create_app
from proxy_service.api.reference import REFERENCE_CSP
from proxy_service.core.extensions import db

EXPECTED_CSP = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
    "img-src": "'self' data:", "object-src": "'none'", "base-uri": "'self'",
    "form-action": "'self'", "frame-ancestors": "'self'",
}


def csp(response):
    directives = [d.strip().split(None, 1) for d in response.headers["Content-Security-Policy"].split(";")]
    return {name: value for name, value in directives}


def assert_secure_headers(response):
    policy = csp(response)
    for name, value in EXPECTED_CSP.items():
        assert policy[name] == value, (name, policy.get(name))
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert "http" not in response.headers["Content-Security-Policy"]   # no CDN or other host
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize("url", ["/login", "/register", "/healthz", "/no-such-page",
                                 "/static/css/app.css", "/"])
def test_anonymous_responses_carry_the_security_headers(client, world, url):
    assert_secure_headers(client.get(url))


@pytest.mark.parametrize("who, url", [("owner", "/cases"), ("agent", "/inbox"),
                                      ("manager", "/manage/requests"), ("manager", "/admin/users")])
def test_authenticated_pages_carry_the_headers_and_are_not_cached(client, world, login_as, who, url):
    login_as(world.users[who])
    response = client.get(url)
    assert response.status_code == 200
    assert_secure_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_error_and_redirect_responses_carry_the_headers(client, world, login_as):
    login_as(world.users["owner"])
    assert_secure_headers(client.get("/cases/999999"))
    assert_secure_headers(client.post("/logout"))


@pytest.mark.parametrize("url", ["/login", "/healthz", "/api/v1/docs"])
def test_each_security_header_comes_once_and_a_page_s_own_policy_is_kept(client, world, url):
    response = client.get(url)
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                 "Referrer-Policy", "X-Request-ID"):
        assert len(response.headers.getlist(name)) == 1, name
    if url == "/api/v1/docs":   # the API reference page sets a policy of its own
        assert response.headers["Content-Security-Policy"] == REFERENCE_CSP


def test_static_files_may_be_cached(client, world, login_as):
    login_as(world.users["owner"])
    assert client.get("/static/css/app.css").headers.get("Cache-Control") != "no-store"


def test_every_response_gets_its_own_request_id_whatever_the_client_sends(client, world):
    first = client.get("/login", headers={"X-Request-ID": "injected-by-the-client"})
    second = client.get("/login")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert "injected" not in first.headers["X-Request-ID"]


# --- no inline script or style (the CSP would block them) --------------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[^>]+\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"<[^>]+\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"""(href|src)\s*=\s*["']?(https?:)?//""", re.I), "asset from another host"),
]


def inline_findings(text):
    return [label for pattern, label in INLINE if pattern.search(text)]


def test_templates_have_no_inline_script_style_or_foreign_assets():
    found = {str(path.relative_to(BASE_DIR)): inline_findings(path.read_text(encoding="utf-8"))
             for path in Path(BASE_DIR, "templates").rglob("*.html")}
    assert {path: labels for path, labels in found.items() if labels} == {}


def test_the_detector_finds_what_it_looks_for():
    samples = ['<script>alert(1)</script>', '<a onclick="x()">', '<div style="color:red">',
               "<style>p{}</style>", '<script src="https://cdn.example/x.js"></script>']
    assert all(inline_findings(sample) for sample in samples)
    assert not inline_findings('<script src="/static/js/app.js"></script><div class="x">')


@pytest.mark.parametrize("who, url", [("owner", "/cases"), ("owner", "/projects"),
                                      ("owner", "/enterprise"), ("agent", "/inbox"),
                                      ("manager", "/manage/requests"), ("manager", "/admin/items")])
def test_rendered_pages_have_no_inline_script_or_style(client, world, login_as, who, url):
    world.case()
    login_as(world.users[who])
    response = client.get(url)
    assert response.status_code == 200
    assert inline_findings(response.text) == []


# --- client addresses: from trusted proxies only ----------------------------------------------

@pytest.fixture
def instance(app):
    made = []

    def make(**settings):
        config = type("Instance", (TestingConfig,), {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **settings})
        made.append(create_app(config))
        return made[-1]
    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


def logged_ip(caplog, response):
    for record in caplog.records:
        if record.name == "proxy_service.request":
            line = json.loads(record.getMessage())
            if line["request_id"] == response.headers["X-Request-ID"]:
                return line["ip"]
    raise AssertionError("no request log line")


def test_without_trusted_proxies_forwarded_headers_are_ignored(client, world, caplog):
    caplog.set_level(logging.INFO, logger="proxy_service.request")
    response = client.get("/login", headers={"X-Forwarded-For": "203.0.113.9",
                                             "X-Forwarded-Proto": "https"})
    assert logged_ip(caplog, response) == "127.0.0.1"


def test_with_one_trusted_proxy_the_address_it_appended_counts(world, instance, caplog):
    caplog.set_level(logging.INFO, logger="proxy_service.request")
    client = instance(TRUSTED_PROXIES=1).test_client()
    # The client wrote a fake first entry; the proxy appended the real peer address.
    response = client.get("/login", headers={"X-Forwarded-For": "10.0.0.1, 198.51.100.7"})
    assert logged_ip(caplog, response) == "198.51.100.7"


def test_a_spoofed_forwarded_for_does_not_escape_the_rate_limit(world, instance):
    client = instance(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute").test_client()
    for number in range(2):
        client.post("/login", data={"username": "x", "password": "y"},
                    headers={"X-Forwarded-For": f"203.0.113.{number}"})
    refused = client.post("/login", data={"username": "x", "password": "y"},
                          headers={"X-Forwarded-For": "203.0.113.99"})
    assert refused.status_code == 429


def test_behind_a_trusted_proxy_each_real_client_has_its_own_budget(world, instance):
    client = instance(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute",
                      TRUSTED_PROXIES=1).test_client()

    def post(forwarded):
        return client.post("/login", data={"username": "x", "password": "y"},
                           headers={"X-Forwarded-For": forwarded})
    assert [post("198.51.100.7").status_code for _ in range(3)] == [401, 401, 429]
    assert post("198.51.100.8").status_code == 401                 # another client
    assert post("1.2.3.4, 198.51.100.7").status_code == 429        # a fake entry changes nothing


def scheme_seen(instance):
    seen = {}
    instance.before_request(lambda: seen.setdefault("scheme", request.scheme) and None)
    instance.test_client().get("/healthz", headers={"X-Forwarded-For": "198.51.100.7",
                                                    "X-Forwarded-Proto": "https"})
    return seen["scheme"]


def test_a_trusted_proxy_tells_the_scheme_and_a_client_cannot(world, instance):
    assert scheme_seen(instance(TRUSTED_PROXIES=1)) == "https"
    assert scheme_seen(instance()) == "http"
