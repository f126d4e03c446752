"""With CSRF protection on (as in development and production), every POST route refuses a
request without a valid token with the friendly 400 page, logged in or not."""
import re

import pyotp
import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor

from .factories import PASSWORD, TOTP_SECRET


def post_urls(app):
    """Every POST route of the pages, with placeholder arguments. Not the JSON API's: it reads
    no cookie, so a forged cross-site request has nothing to ride on (its callers send a token,
    tests/test_api_cases.py::test_writes_need_no_csrf_token), and POST /api/v1/verify is public
    as the page is."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" not in rule.methods or rule.endpoint == "static" \
                    or rule.endpoint.startswith("api."):
                continue
            values = {name: 1 if isinstance(converter, IntegerConverter) else "x"
                      for name, converter in rule._converters.items()}
            urls.append(url_for(rule.endpoint, **values))
    return sorted(urls)


def token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def log_in(client, username):
    page = client.get("/login").text
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token(page)})
    assert response.status_code == 302, response.text
    if response.headers["Location"].endswith("/login/code"):
        page = client.get("/login/code").text
        response = client.post("/login/code", data={"code": pyotp.TOTP(TOTP_SECRET).at(clock.now()),
                                                     "csrf_token": token(page)})
        assert response.status_code == 302
    return client


def test_the_app_has_post_routes_to_check(csrf_app):
    urls = post_urls(csrf_app)
    assert {"/login", "/logout", "/register", "/password", "/login/code"} <= set(urls)
    assert len(urls) > 40


def test_anonymous_posts_without_a_token_are_refused(csrf_app, world):
    client = csrf_app.test_client()
    for url in post_urls(csrf_app):
        response = client.post(url, data={"anything": "1"})
        assert response.status_code == 400, url
        assert "请求有误" in response.text, url


@pytest.mark.parametrize("who", ["owner", "agent", "manager"])
def test_logged_in_posts_without_a_token_are_refused(csrf_app, world, who):
    user = world.users[who]
    if twofactor.needs_code(user):
        twofactor.enrol_with_secret(user, TOTP_SECRET)
        db.session.commit()
    client = log_in(csrf_app.test_client(), user.username)
    for url in post_urls(csrf_app):
        assert client.post(url, data={"anything": "1"}).status_code == 400, url
        assert client.post(url, data={"csrf_token": "forged"}).status_code == 400, url
    home = client.get("/")
    assert home.status_code == 302 and "/login" not in home.headers["Location"]   # still logged in


def test_a_token_from_the_page_is_accepted(csrf_app, world):
    client = log_in(csrf_app.test_client(), "ent1")
    page = client.get("/password").text
    assert client.post("/logout", data={"csrf_token": token(page)}).status_code == 302
    assert "/login" in client.get("/cases").headers["Location"]


def test_a_token_from_another_session_is_refused(csrf_app, world):
    stranger = csrf_app.test_client()
    foreign = token(stranger.get("/login").text)
    client = log_in(csrf_app.test_client(), "ent1")
    response = client.post("/password", data={"current": PASSWORD, "new": "x" * 10,
                                              "confirm": "x" * 10, "csrf_token": foreign})
    assert response.status_code == 400

