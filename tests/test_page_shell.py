"""What every logged-in page pays outside its view (issue 18): the header's user, center and
bell read in one statement; URLs, the CSRF token and the session cookie worked out once and
kept; each kept thing changes on the next page when what it shows changes."""
import re
import time
from datetime import timedelta

from flask import render_template_string, request, session
from jinja2 import DictLoader

from proxy_service.core import clock, csrf_tokens
from proxy_service.core.extensions import db
from proxy_service.core.templating import PageTemplate
from proxy_service.identity import api_tokens, sessions, twofactor
from proxy_service.models import Notification, User
from proxy_service.notifications.inbox import mark_all_read, unread_count

from .factories import TOTP_SECRET, make_case
from .test_csrf import log_in, token

BELL = re.compile(r"消息通知：(\d+) 条未读")


def _notify(user, n=1):
    for i in range(n):
        db.session.add(Notification(user_id=user.id, kind="message", text=f"通知 {i}", url="/cases"))
    db.session.commit()


def _bell(page):
    counts = set(BELL.findall(page.text))
    assert len(counts) == 1, counts     # the wide and the narrow header's bells agree
    return int(counts.pop())


# --- the user load: user, center and bell in one statement ---------------------------------

def test_the_header_reads_user_center_and_bell_in_one_statement(client, world, login_as,
                                                                count_queries):
    agent = world.users["agent"]
    _notify(agent, 2)
    login_as(agent)
    with count_queries() as counted:
        page = client.get("/notifications/settings")
    assert page.status_code == 200 and _bell(page) == 2
    assert world.centers[0].short_name in page.text      # the menu's heading: role · center
    about_user = [s for s in counted.statements if "FROM users" in s]
    assert len(about_user) == 1 and "centers" in about_user[0] and "notifications" in about_user[0]
    assert not any(s.lstrip().startswith("SELECT count(notifications.id)") for s in counted.statements)


def test_a_new_notification_moves_the_bell_on_the_next_page(client, world, login_as):
    agent = world.users["agent"]
    login_as(agent)
    assert _bell(client.get("/inbox")) == 0
    _notify(agent, 3)
    assert _bell(client.get("/inbox")) == 3
    client.post("/notifications/read-all")
    assert _bell(client.get("/inbox")) == 0


def test_the_bell_counts_again_after_a_change_in_the_same_request(app, world):
    agent = world.users["agent"]
    _notify(agent, 2)
    with app.test_request_context("/inbox"):
        session["_sid"] = agent.session_token = "token"
        db.session.commit()
        user = sessions.load_user(str(agent.id))
        assert user.unread_notifications == 2 and unread_count(user) == 2
        db.session.add(Notification(user_id=agent.id, kind="message", text="新", url="/cases"))
        db.session.flush()
        assert unread_count(user) == 3       # written in this request: counted again
        mark_all_read(user)
        assert unread_count(user) == 0       # a bulk update: counted again too


def test_a_user_read_without_the_bell_is_counted(app, world):
    agent = world.users["agent"]
    _notify(agent, 1)
    with app.test_request_context("/inbox"):
        plain = db.session.get(User, agent.id)
        assert plain.unread_notifications is None and unread_count(plain) == 1


# --- URLs built once ---------------------------------------------------------------------

def test_the_navigation_follows_the_language_and_the_script_root(client, world, login_as):
    login_as(world.users["agent"])
    chinese = client.get("/inbox").text
    assert 'href="/inbox">待办事项</a>' in chinese
    prefixed = client.get("/inbox", base_url="http://localhost/portal").text
    assert 'href="/portal/inbox">待办事项</a>' in prefixed
    assert 'href="/portal/static/css/app.css?v=' in prefixed
    client.post("/language", data={"locale": "en", "next": "/inbox"})
    english = client.get("/inbox").text
    assert 'href="/inbox">To do</a>' in english and 'href="/static/css/app.css?v=' in english


LINK = re.compile(r'(?:href|action|src)="(/[^"]*)"')


def test_every_link_of_the_lists_and_the_case_page_follows_the_script_root(client, world, login_as):
    """Behind a proxy that serves the app under /portal, a row's link (a case, a step, a
    document, a new request) leads there too, not to the proxy's root."""
    running = world.case()
    make_case(world.other_project, world.users["other_enterprise"], world.items)   # to accept
    pages = {"agent": ["/inbox", "/cases", f"/cases/{running.id}"],
             "manager": ["/manage/requests", "/manage/dashboard", "/manage/workload",
                         f"/cases/{running.id}"],
             "owner": ["/projects", f"/projects/{world.project.id}", "/enterprise", "/cases"]}
    for role, paths in pages.items():
        login_as(world.users[role])
        for path in paths:
            response = client.get(path, base_url="http://localhost/portal")
            assert response.status_code == 200, path
            links = LINK.findall(response.text)
            assert len(links) > 10, path
            assert [link for link in links if not link.startswith("/portal/")] == [], path


def test_urls_with_values_are_built_every_time(app):
    with app.test_request_context("/"):
        page = render_template_string(
            "{{ url_for('cases.detail', case_id=1) }} {{ url_for('cases.detail', case_id=2) }} "
            "{{ url_for('auth.home', _external=True) }} {{ url_for('auth.home', _anchor='x') }}")
    assert page == "/cases/1 /cases/2 http://localhost/ /#x"


def test_a_macro_imported_by_a_template_with_globals_of_its_own_sees_them(app):
    # PageTemplate serves Jinja's cached module of an imported template only when the importer
    # has no globals beyond the environment's; otherwise Jinja makes a module that sees them.
    environment = app.jinja_env.overlay(loader=DictLoader(
        {"probe.html": "{% macro show() %}[{{ extra }}]{% endmacro %}"}))
    source = '{% import "probe.html" as p %}{{ p.show() }}'
    with app.test_request_context("/"):
        own = environment.from_string(source, globals={"extra": "mine"})
        shared = environment.from_string(source)
        assert isinstance(own, PageTemplate)
        assert (shared.render(), own.render(), shared.render()) == ("[]", "[mine]", "[]")


# --- the session cookie --------------------------------------------------------------------

def _session_cookie_set(response):
    return any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


def test_pages_within_a_minute_send_no_new_session_cookie(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 2, 9)
    login_as(world.users["agent"])
    client.get("/inbox")      # the first page signs the form token into the session
    clock.freeze(clock.now() + timedelta(seconds=30))
    assert not _session_cookie_set(client.get("/inbox"))
    clock.freeze(clock.now() + timedelta(seconds=31))
    response = client.get("/inbox")
    assert _session_cookie_set(response) and "Cookie" in response.headers["Vary"]


def test_a_kept_session_is_copied_checked_and_aged(app, world, login_as, client, monkeypatch):
    login_as(world.users["owner"])
    client.get("/cases")
    interface = app.session_interface
    cookie = client.get_cookie("session").value
    with app.test_request_context("/cases", headers={"Cookie": f"session={cookie}"}):
        first = interface.open_session(app, request)
        first["_2fa_pending"] = {"changed": True}
        second = interface.open_session(app, request)
        assert "_2fa_pending" not in second and second["_user_id"] == first["_user_id"]
        assert len(interface._opened) >= 1
    tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    with app.test_request_context("/cases", headers={"Cookie": f"session={tampered}"}):
        assert dict(interface.open_session(app, request)) == {}
    lifetime = app.permanent_session_lifetime.total_seconds()
    monkeypatch.setattr(api_tokens.time, "time", lambda: time.time_ns() / 1e9 + lifetime + 10)
    with app.test_request_context("/cases", headers={"Cookie": f"session={cookie}"}):
        assert dict(interface.open_session(app, request)) == {}     # too old, kept or not


# --- the CSRF token ------------------------------------------------------------------------

def _raw_token(client):
    with client.session_transaction() as stored:
        return stored["csrf_token"]


def _logged_in(app, user):
    if twofactor.needs_code(user) and not twofactor.enrolled(user):
        twofactor.enrol_with_secret(user, TOTP_SECRET)
        db.session.commit()
    return log_in(app.test_client(), user.username)


def test_the_signed_token_is_kept_per_session_and_still_accepted(csrf_app, world):
    client = _logged_in(csrf_app, world.users["agent"])
    client.get("/notifications")   # the first page after the login puts a raw token in the session
    first = token(client.get("/notifications").text)
    time.sleep(1.1)           # a token signed now would carry another timestamp
    assert token(client.get("/notifications").text) == first        # signed once, given again
    assert csrf_tokens._signed.get((csrf_app.secret_key, _raw_token(client))) == first
    response = client.post("/language", data={"locale": "en", "next": "/notifications",
                                              "csrf_token": first})
    assert response.status_code == 302
    other = _logged_in(csrf_app, world.users["owner"])
    other.get("/notifications")
    assert token(other.get("/notifications").text) != first        # another session, another token
    refused = other.post("/language", data={"locale": "en", "csrf_token": first})
    assert refused.status_code == 400


def test_nothing_is_kept_with_a_time_limit(csrf_app, world, monkeypatch):
    monkeypatch.setitem(csrf_app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    client = _logged_in(csrf_app, world.users["agent"])
    client.get("/notifications")
    first = token(client.get("/notifications").text)
    assert csrf_tokens._signed.get((csrf_app.secret_key, _raw_token(client))) is None
    response = client.post("/language", data={"locale": "en", "next": "/inbox",
                                              "csrf_token": first})
    assert response.status_code == 302


def test_a_session_seen_longer_ago_than_the_idle_limit_still_ends(client, world, login_as,
                                                                 frozen_clock):
    frozen_clock(2025, 6, 2, 9)
    login_as(world.users["agent"])
    for _ in range(29):      # a page every 59 s: the idle clock is noted once a minute at most
        clock.freeze(clock.now() + timedelta(seconds=59))
        assert client.get("/inbox").status_code == 200
    clock.freeze(clock.now() + timedelta(minutes=30, seconds=1))
    assert "/login" in client.get("/inbox").headers["Location"]
