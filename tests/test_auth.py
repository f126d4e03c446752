"""Login, logout, change password, landing pages and health."""
import sqlite3
from unittest import mock

from sqlalchemy.exc import OperationalError

from proxy_service.core.extensions import db

from .factories import PASSWORD


def test_login_with_the_right_password_lands_on_the_role_page(client, world):
    response = client.post("/login", data={"username": "ent1", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/cases")


def test_wrong_password_and_unknown_user_get_the_same_message(client, world):
    wrong = client.post("/login", data={"username": "ent1", "password": "nope"})
    unknown = client.post("/login", data={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text


def test_empty_login_form_shows_field_errors(client, world):
    response = client.post("/login", data={})
    assert response.status_code == 200
    assert "请输入用户名" in response.text and "请输入密码" in response.text


def test_inactive_user_cannot_log_in(client, world):
    world.users["agent"].active = False
    db.session.commit()
    assert client.post("/login", data={"username": "agent1", "password": PASSWORD}).status_code == 401


def test_next_parameter_only_redirects_within_the_site(client, world):
    response = client.post("/login?next=//evil.example/x", data={"username": "ent1", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/projects", data={"username": "ent1", "password": PASSWORD})
    assert response.headers["Location"] == "/projects"


def test_staff_land_on_their_pages(client, world, login_as):
    login_as(world.users["agent"])
    assert client.get("/").headers["Location"].endswith("/inbox")
    login_as(world.users["manager"])
    assert client.get("/").headers["Location"].endswith("/manage/dashboard")


def test_logout_ends_the_session(client, world, login_as):
    login_as(world.users["owner"])
    assert client.post("/logout").status_code == 302
    assert "/login" in client.get("/password").headers["Location"]


def test_logout_by_get_is_not_allowed(client, world, login_as):
    login_as(world.users["owner"])
    assert client.get("/logout").status_code == 405


def test_change_password(client, world, login_as):
    login_as(world.users["owner"])
    bad = client.post("/password", data={"current": "wrong", "new": "new-pass-123", "confirm": "new-pass-123"})
    assert "当前密码不正确" in bad.text
    mismatch = client.post("/password", data={"current": PASSWORD, "new": "new-pass-123", "confirm": "x"})
    assert "不一致" in mismatch.text
    ok = client.post("/password", data={"current": PASSWORD, "new": "new-pass-123", "confirm": "new-pass-123"})
    assert ok.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"username": "ent1", "password": PASSWORD}).status_code == 401
    assert client.post("/login", data={"username": "ent1", "password": "new-pass-123"}).status_code == 302


def test_protected_pages_redirect_anonymous_users_to_login(client, world):
    for url in ("/password",):
        assert "/login" in client.get(url).headers["Location"], url


def test_authenticated_pages_are_not_cached(client, world, login_as):
    login_as(world.users["owner"])
    assert client.get("/password").headers["Cache-Control"] == "no-store"


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    # The suite turns rate limits off (TestingConfig); tests/test_bruteforce.py has them on.
    assert response.json == {"status": "ok", "database": "ok", "rate_limit_storage": "off"}


def test_healthz_answers_503_when_the_database_fails(client):
    # Every way to the database (a Session's connection too) checks one out of the engine.
    failure = OperationalError("SELECT 1", {}, Exception("connection refused"))
    with mock.patch.object(db.engine, "raw_connection", side_effect=failure):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"


def test_healthz_without_a_session_loads_no_user_and_sends_only_its_probe(client, world,
                                                                          count_queries):
    # The balancer asks many times a second: no user query (no session cookie, nobody logged
    # in) and the probe on a driver connection, outside SQLAlchemy's statement layer.
    with count_queries() as seen:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"
    assert seen.statements == []


def test_healthz_does_not_pool_a_connection_whose_statement_failed(client):
    class Broken:
        def execute(self, _statement):
            raise sqlite3.OperationalError("disk I/O error")

    connection = mock.MagicMock()
    connection.cursor.return_value = Broken()
    with mock.patch.object(db.engine, "raw_connection", return_value=connection):
        response = client.get("/healthz")
    assert response.status_code == 503
    connection.invalidate.assert_called_once()
    connection.close.assert_called_once()


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.text
