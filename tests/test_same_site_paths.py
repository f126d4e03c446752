"""Where `next` and `back` may send the browser: security.same_site_path alone decides, and a
browser must agree. Its oracle is a WHATWG URL parser (ada-url, the parser of Node.js): every
target the check accepts, resolved against the site's address as a browser resolves a
Location header or a link, stays on the site. A browser drops tabs and newlines anywhere in a
URL, so "/<tab>/evil.example" is "//evil.example" to it — another host; a newline in a
Location header was a 500 after the password had been accepted and the session rotated.

Every caller is driven with such targets: the login (enterprise users, and staff through the
one-time-code step), the language switch, the confirmation page's links, and a notification
that is opened."""
import html
import re
from urllib.parse import quote

import pytest
from ada_url import URL
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from proxy_service.core.extensions import db
from proxy_service.core.security import same_site_path
from proxy_service.identity import twofactor
from proxy_service.identity.sessions import PENDING_KEY
from proxy_service.models import Notification

from .factories import PASSWORD, TOTP_SECRET, one_time_code

SITE = "https://daiban.example.cn"
CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, 0x85, 0x9F)]
# What hostile targets are made of: slashes both ways, controls, schemes, hosts, look-alikes.
PIECES = ["/", "/", "\\", ".", "..", ":", "@", "%", "%2F", "%5C", "%09", "?", "#", " ", "　", "／",
          "＼", "evil.example", "http:", "https:", "javascript:", "cases", "1", "中文", "\u202e",
          "\u2028", "\ufeff", *CONTROLS]
TARGETS = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=6).map(lambda parts: "/" + "".join(parts)),
    st.text(max_size=20),
)
SAFE_PATHS = st.text(st.sampled_from("abcz09-_.~!$&'()*+,;=:@%?#/中文"), max_size=30).map(
    lambda rest: "/" + rest.lstrip("/"))
REGRESSIONS = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\r/evil.example",
               "\t//evil.example", "/\x0b/evil.example", "/\x7f/evil.example", " //evil.example",
               "/\\evil.example", "//evil.example", "https://evil.example/"]
HOME = "/"


def _settings(examples):
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def stays_on_site(target):
    """What a browser at SITE makes of `target` in a Location header or a link."""
    return URL(target, SITE + "/cases/1").origin == SITE


# --- the check itself ------------------------------------------------------------------------

@_settings(600)
@given(TARGETS)
@example("/\t/evil.example")
@example("/\n/evil.example")
@example("/\u0085/evil.example")
def test_what_the_check_accepts_a_browser_keeps_on_the_site(target):
    accepted = same_site_path(target)
    if accepted is not None:
        assert accepted == target
        assert stays_on_site(target), repr(target)
        assert not any(c in target for c in CONTROLS), repr(target)


@_settings(200)
@given(SAFE_PATHS)
def test_ordinary_paths_of_this_site_are_accepted(path):
    assert same_site_path(path) == path


@pytest.mark.parametrize("target", REGRESSIONS + [None, "", "cases", "?next=/x"])
def test_hostile_targets_are_refused(target):
    assert same_site_path(target) is None


# --- every caller ----------------------------------------------------------------------------

def _on_site(response):
    location = response.headers["Location"]
    assert stays_on_site(location) and not any(c in location for c in CONTROLS), location
    return location


@pytest.mark.parametrize("target", REGRESSIONS)
def test_the_login_sends_enterprise_users_nowhere_else(client, world, target):
    response = client.post(f"/login?next={quote(target, safe='')}",
                           data={"username": "ent1", "password": PASSWORD})
    assert response.status_code == 302 and _on_site(response) == HOME
    assert client.get(HOME).headers["Location"] == "/cases"   # logged in, landing at home


@pytest.mark.parametrize("target", REGRESSIONS[:4])
def test_the_code_step_sends_staff_nowhere_else(client, world, target):
    manager = world.users["manager"]
    twofactor.enrol_with_secret(manager, TOTP_SECRET)
    db.session.commit()
    response = client.post(f"/login?next={quote(target, safe='')}",
                           data={"username": "manager", "password": PASSWORD})
    assert response.headers["Location"] == "/login/code"
    # Whatever the pending login carries (a session from before this check, say), the code
    # step checks it again.
    with client.session_transaction() as session:
        session[PENDING_KEY] = {**session[PENDING_KEY], "next": target}
    response = client.post("/login/code", data={"code": one_time_code(manager)})
    assert response.status_code == 302 and _on_site(response) == HOME


@_settings(150)
@given(st.one_of(st.sampled_from(REGRESSIONS), TARGETS, SAFE_PATHS))
def test_the_language_switch_goes_back_only_to_this_site(client, target):
    response = client.post("/language", data={"locale": "en", "next": target})
    if "\x00" in target:   # refused before any view: the database cannot hold a NUL
        assert response.status_code == 400
        return
    assert response.status_code == 302
    location = _on_site(response)
    if same_site_path(target) is None:
        assert location == HOME
    else:   # the same address, perhaps IRI-encoded on the way
        assert _address(location) == _address(target)


def _address(target):
    url = URL(target, SITE)
    return url.pathname, url.search, url.hash


@pytest.mark.parametrize("target", REGRESSIONS)
def test_the_confirmation_links_stay_on_the_site(client, world, login_as, confirm_identity,
                                                 target):
    owner = world.users["owner"]
    login_as(owner)
    confirm_identity(owner)
    page = client.get("/confirm", query_string={"next": target, "back": target})
    links = [html.unescape(href) for href in re.findall(r'<a [^>]*href="([^"]*)"', page.text)]
    assert links and all(stays_on_site(link) for link in links)
    assert re.search(r'<a class="btn btn-primary" href="/">', page.text)


@pytest.mark.parametrize("target", REGRESSIONS)
def test_an_opened_notification_goes_nowhere_else(client, world, login_as, target):
    owner = world.users["owner"]
    notification = Notification(user_id=owner.id, kind="case_submitted", text="x", url=target)
    db.session.add(notification)
    db.session.commit()
    login_as(owner)
    response = client.post(f"/notifications/{notification.id}/read", data={"open": "1"})
    assert _on_site(response).startswith("/notifications")
