"""The settings page of personal access tokens: created after the password (and, for staff,
the one-time code) is given again, the secret shown once, listed, revoked by its owner; every
creation and revocation audited in Chinese."""
import re
from datetime import timedelta

from sqlalchemy import select

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import ApiToken, AuditEvent

from .api_helpers import bearer
from .factories import PASSWORD, staff_code

PAGE = "/account/api-tokens"


def _form(**changes):
    return {"name": "项目管理系统", "scopes": ["cases:read", "steps:write"],
            "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
            "password": PASSWORD, **changes}


def test_a_token_is_made_after_the_password_and_shown_once(client, world, login_as):
    login_as(world.users["owner"])
    response = client.post(PAGE, data=_form())
    assert response.status_code == 200
    secret = re.search(r'id="new-token-secret">(psk_[^<]+)<', response.text).group(1)
    token = db.session.scalars(select(ApiToken)).one()
    assert token.scope_list == ["cases:read", "steps:write"] and token.name == "项目管理系统"
    listed = client.get(PAGE).text
    assert secret not in listed and token.hint in listed and "项目管理系统" in listed
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api_token_create")).one()
    assert event.comment.startswith("项目管理系统（psk_") and "cases:read、steps:write" in event.comment


def test_a_wrong_password_makes_nothing(client, world, login_as):
    login_as(world.users["owner"])
    response = client.post(PAGE, data=_form(password="wrong-password"))
    assert response.status_code == 422 and "psk_" not in response.text
    assert db.session.scalars(select(ApiToken)).all() == []


def test_staff_give_the_one_time_code_too(client, world, login_as):
    login_as(world.users["manager"])
    assert client.post(PAGE, data=_form()).status_code == 422
    assert client.post(PAGE, data=_form(code=staff_code())).status_code == 200
    assert len(db.session.scalars(select(ApiToken)).all()) == 1


def test_a_year_at_most(client, world, login_as):
    login_as(world.users["owner"])
    too_late = (clock.today() + timedelta(days=366)).isoformat()
    response = client.post(PAGE, data=_form(expires_on=too_late))
    assert response.status_code == 422 and db.session.scalars(select(ApiToken)).all() == []


def test_the_owner_revokes_it_and_it_stops_working(client, world, login_as):
    login_as(world.users["owner"])
    response = client.post(PAGE, data=_form())
    secret = re.search(r'id="new-token-secret">(psk_[^<]+)<', response.text).group(1)
    token = db.session.scalars(select(ApiToken)).one()
    assert client.post(f"{PAGE}/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None and "已吊销" in client.get(PAGE).text
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 401
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api_token_revoke")).one()
    assert event.comment == f"项目管理系统（{token.hint}…）"


def test_the_page_links_the_api_reference_which_needs_no_token(client, world, login_as):
    login_as(world.users["owner"])
    assert 'href="/api/v1/docs"' in client.get(PAGE).text
    client.post("/logout")
    reference = client.get("/api/v1/docs")
    assert reference.status_code == 200 and 'data-spec-url="/api/v1/openapi.json"' in reference.text
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in reference.text and "//cdn" not in reference.text
    assert reference.headers["Content-Security-Policy"].startswith("default-src 'self'; script-src 'self';")
