"""Sessions: a new one at login, every copy of the old cookie dead after logout and password
change, idle and absolute timeouts per audience, cookie flags."""
from datetime import timedelta

from config import ProductionConfig
from proxy_service import create_app
from proxy_service.core import clock
from proxy_service.core.extensions import db

from .factories import PASSWORD, one_time_code


def cookie_of(client):
    return client.get_cookie("session").value


def client_with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def advance(minutes):
    clock.freeze(clock.now() + timedelta(minutes=minutes))


def test_login_starts_a_new_session(client, world):
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"   # session fixation: nothing may survive the login
    client.post("/login", data={"username": "ent1", "password": PASSWORD})
    with client.session_transaction() as after:
        assert "planted" not in after and after["_sid"] == world.users["owner"].session_token


def test_a_replayed_cookie_from_before_logout_lands_on_the_login_page(app, client, world, login_as):
    login_as(world.users["owner"])
    saved = cookie_of(client)
    assert client_with_cookie(app, saved).get("/cases").status_code == 200   # a live copy works
    client.post("/logout")
    replay = client_with_cookie(app, saved).get("/cases")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_staff_cookie_replayed_after_logout_is_dead_too(app, client, world, login_as):
    login_as(world.users["agent"])
    saved = cookie_of(client)
    assert client_with_cookie(app, saved).get("/inbox").status_code == 200
    client.post("/logout")
    assert "/login" in client_with_cookie(app, saved).get("/inbox").headers["Location"]


def test_password_change_ends_every_other_copy_but_keeps_this_session(app, client, world, login_as):
    login_as(world.users["owner"])
    saved = cookie_of(client)
    response = client.post("/password", data={"current": PASSWORD, "new": "brand-new-pass-9",
                                              "confirm": "brand-new-pass-9"})
    assert response.status_code == 302
    assert client.get("/cases").status_code == 200
    assert "/login" in client_with_cookie(app, saved).get("/cases").headers["Location"]


def test_a_new_login_elsewhere_ends_the_older_session(app, client, world, login_as):
    login_as(world.users["owner"])
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"username": "ent1", "password": PASSWORD})
    assert elsewhere.get("/cases").status_code == 200
    assert "/login" in client.get("/cases").headers["Location"]


def test_a_deactivated_user_is_out_at_the_next_request(client, world, login_as):
    login_as(world.users["agent"])
    world.users["agent"].active = False
    db.session.commit()
    assert "/login" in client.get("/inbox").headers["Location"]


def test_between_password_and_code_nothing_is_reachable(client, world, login_as):
    login_as(world.users["agent"])          # enrols the agent
    client.post("/logout")
    response = client.post("/login", data={"username": "agent1", "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/code")
    assert "/login" in client.get("/inbox").headers["Location"]
    assert client.post("/login/code", data={"code": one_time_code(world.users["agent"])}).status_code == 302
    assert client.get("/inbox").status_code == 200


def test_staff_session_ends_after_30_idle_minutes(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 2, 9)
    login_as(world.users["agent"])
    advance(29)
    assert client.get("/inbox").status_code == 200      # activity restarts the idle clock
    advance(29)
    assert client.get("/inbox").status_code == 200
    advance(31)
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert response.headers["Location"].endswith("next=/inbox")
    assert "长时间未操作" in client.get(response.headers["Location"]).text


def test_enterprise_session_lasts_two_idle_hours(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 2, 9)
    login_as(world.users["owner"])
    advance(119)
    assert client.get("/cases").status_code == 200
    advance(121)
    assert "/login" in client.get("/cases").headers["Location"]


def test_idle_limits_are_configurable(app, client, world, login_as, frozen_clock, monkeypatch):
    monkeypatch.setitem(app.config, "ENTERPRISE_IDLE_MINUTES", 5)
    frozen_clock(2025, 6, 2, 9)
    login_as(world.users["owner"])
    advance(6)
    assert "/login" in client.get("/cases").headers["Location"]


def test_even_an_active_session_ends_after_the_absolute_limit(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 2, 8)
    login_as(world.users["owner"])
    for _ in range(12 * 60 // 100):
        advance(100)
        assert client.get("/cases").status_code == 200
    advance(100)
    assert "/login" in client.get("/cases").headers["Location"]


def test_session_cookie_is_httponly_and_lax_and_no_remember_cookie(client, world):
    response = client.post("/login", data={"username": "ent1", "password": PASSWORD})
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("session=") and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
    assert not any(c.startswith("remember_token") for c in cookies)
    assert client.get_cookie("remember_token") is None


def test_session_cookie_is_secure_in_production(app):
    class Production(ProductionConfig):
        SECRET_KEY = "a-real-secret-for-this-test"
        PUBLIC_BASE_URL = "https://daiban.example.gov.cn"
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    production = create_app(Production)
    try:
        response = production.test_client().get("/login")   # the CSRF token opens a session
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        with production.app_context():
            db.engine.dispose()


def test_logout_clears_the_session(client, world, login_as):
    login_as(world.users["owner"])
    client.post("/logout")
    with client.session_transaction() as after:
        assert "_user_id" not in after and "_sid" not in after
