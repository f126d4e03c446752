"""Structured request logs with a request id; security events; no password, one-time code,
recovery code, CSRF token or session cookie ever reaches a log."""
import json
import logging
import re

import pyotp

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor

from .factories import PASSWORD, TOTP_SECRET

SECRET_PASSWORD = "Purple-Walrus-7731-Zq"
FIELDS = {"time", "request_id", "method", "path", "status", "duration_ms", "user_id"}


def request_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "proxy_service.request"]


def everything_logged(caplog):
    """Every message and every argument of every record, as one text."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts) + caplog.text


def test_each_request_is_one_json_line_with_the_request_id(client, world, login_as, caplog):
    caplog.set_level(logging.INFO)
    login_as(world.users["owner"])
    response = client.get("/cases?page=1")
    line = next(li for li in request_lines(caplog) if li["request_id"] == response.headers["X-Request-ID"])
    assert set(line) >= FIELDS
    assert (line["method"], line["path"], line["status"], line["user_id"]) == (
        "GET", "/cases", 200, world.users["owner"].id)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "page=1" not in json.dumps(line)         # no query strings: they may carry tokens


def test_anonymous_and_refused_requests_are_logged_too(client, world, caplog):
    caplog.set_level(logging.INFO)
    client.get("/no-such-page")
    client.post("/login", data={"username": "nobody", "password": "x"})
    lines = request_lines(caplog)
    assert [(li["path"], li["status"], li["user_id"]) for li in lines] == [
        ("/no-such-page", 404, None), ("/login", 401, None)]


def test_security_events_are_logged_without_secrets(client, world, caplog):
    caplog.set_level(logging.INFO)
    client.post("/login", data={"username": "ent1", "password": SECRET_PASSWORD})
    client.post("/login", data={"username": "ent1", "password": PASSWORD})
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "proxy_service.security"]
    assert [e["event"] for e in events] == ["login_failed", "login"]
    assert events[0]["user_id"] == world.users["owner"].id
    assert SECRET_PASSWORD not in everything_logged(caplog)


def csrf_token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_passwords_codes_and_tokens_never_reach_the_logs(csrf_app, world, caplog, frozen_clock):
    caplog.set_level(logging.DEBUG)             # everything, from every logger
    frozen_clock(2025, 6, 2, 9)
    agent = world.users["agent"]
    agent.set_password(SECRET_PASSWORD)
    twofactor.enrol_with_secret(agent, TOTP_SECRET)
    recovery = twofactor.new_recovery_codes(agent)[0]
    db.session.commit()
    code = pyotp.TOTP(TOTP_SECRET).at(clock.now())
    client = csrf_app.test_client()
    tokens = [csrf_token(client.get("/login").text)]
    client.post("/login", data={"username": "agent1", "password": "wrong-" + SECRET_PASSWORD,
                                "csrf_token": tokens[-1]})
    client.post("/login", data={"username": "agent1", "password": SECRET_PASSWORD,
                                "csrf_token": tokens[-1]})
    tokens.append(csrf_token(client.get("/login/code").text))
    client.post("/login/code", data={"code": "314159", "csrf_token": tokens[-1]})
    assert client.post("/login/code", data={"code": code, "csrf_token": tokens[-1]}).status_code == 302
    cookie = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": tokens[-1]})
    tokens.append(csrf_token(client.get("/login").text))
    client.post("/login", data={"username": "agent1", "password": SECRET_PASSWORD,
                                "csrf_token": tokens[-1]})
    tokens.append(csrf_token(client.get("/login/code").text))
    assert client.post("/login/code", data={"code": recovery, "csrf_token": tokens[-1]}).status_code == 302

    logged = everything_logged(caplog)
    assert len(request_lines(caplog)) >= 9 and "login_failed" in logged   # the logs did run
    for secret in [SECRET_PASSWORD, code, "314159", recovery, recovery.replace("-", ""),
                   cookie, agent.session_token, TOTP_SECRET, *tokens]:
        assert secret not in logged, secret
