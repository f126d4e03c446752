"""Who may call /api/v1: a live personal access token in `Authorization: Bearer`, nothing
else (not the session cookie); the pages never read `Authorization`; a token acts only within
its scopes; losing the account's trust revokes the user's tokens (a lockout only holds them
back while it lasts)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.identity import lockout, sessions
from proxy_service.models import ApiToken, AuditEvent, EnterpriseClaim, Role
from proxy_service.workflow import api_tokens, personal_data
from proxy_service.workflow import enterprises as registration
from proxy_service.workflow.accounts import deactivate_account

from .api_helpers import assert_problem, bearer, make_token
from .factories import make_user

CASES = "/api/v1/cases"


def _token_of(user):
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()


def test_without_a_token_the_answer_is_401_with_the_scheme(client, world):
    response = client.get(CASES)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", [
    "Bearer psk_not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "psk_x", "Bearer x" * 300])
def test_a_wrong_token_is_401(client, world, header):
    make_token(world.users["manager"])
    assert_problem(client.get(CASES, headers={"Authorization": header}), 401)


def test_a_live_token_is_accepted_and_the_secret_is_stored_as_its_hash_only(client, world):
    secret = make_token(world.users["manager"])
    assert client.get(CASES, headers=bearer(secret)).status_code == 200
    token = _token_of(world.users["manager"])
    assert secret.startswith("psk_") and len(secret) > 40
    assert secret not in (token.secret_sha256, token.hint) and len(token.secret_sha256) == 64


def test_an_expired_token_is_401(client, world, frozen_clock):
    frozen_clock(2026, 3, 2)
    secret = make_token(world.users["manager"], days=1)
    assert client.get(CASES, headers=bearer(secret)).status_code == 200
    frozen_clock(2026, 3, 4)
    assert_problem(client.get(CASES, headers=bearer(secret)), 401)


def test_a_revoked_token_is_401(client, world):
    secret = make_token(world.users["manager"])
    api_tokens.revoke_token(_token_of(world.users["manager"]), world.users["manager"])
    db.session.commit()
    assert_problem(client.get(CASES, headers=bearer(secret)), 401)


def test_the_session_cookie_is_ignored(client, world, login_as):
    login_as(world.users["manager"])
    assert client.get("/cases").status_code == 200   # logged in on the pages
    response = client.get(CASES)
    assert_problem(response, 401)
    assert "Set-Cookie" not in response.headers


def test_the_pages_ignore_the_authorization_header(client, world):
    secret = make_token(world.users["manager"])
    response = client.get("/cases", headers=bearer(secret))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_token_without_the_scope_is_403(client, world):
    secret = make_token(world.users["manager"], scopes=["reports:read"])
    body = assert_problem(client.get(CASES, headers=bearer(secret)), 403)
    assert "权限范围" in body["detail"]


def test_last_use_is_written_at_most_once_a_minute(client, world, frozen_clock):
    frozen_clock(2026, 3, 2, 10)
    secret = make_token(world.users["manager"])
    client.get(CASES, headers=bearer(secret), environ_base={"REMOTE_ADDR": "10.0.0.7"})
    token = _token_of(world.users["manager"])
    first = token.last_used_at
    assert first == clock.now() and token.last_used_ip == "10.0.0.7"
    clock.freeze(clock.now() + timedelta(seconds=30))
    client.get(CASES, headers=bearer(secret), environ_base={"REMOTE_ADDR": "10.0.0.8"})
    db.session.refresh(token)
    assert token.last_used_at == first and token.last_used_ip == "10.0.0.7"
    clock.freeze(clock.now() + timedelta(seconds=31))
    client.get(CASES, headers=bearer(secret), environ_base={"REMOTE_ADDR": "10.0.0.8"})
    db.session.refresh(token)
    assert token.last_used_at == clock.now() and token.last_used_ip == "10.0.0.8"


def _revoked_by(world, change):
    user = world.users["agent"]
    secret = make_token(user)
    change(user)
    db.session.commit()
    token = _token_of(user)
    assert token.revoked_at is not None
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api_token_revoke")).one()
    return secret, event


def test_deactivating_the_user_revokes_their_tokens(client, world):
    secret, event = _revoked_by(world, lambda user: deactivate_account(user, world.users["manager"]))
    assert event.comment.endswith("账号已停用") and event.actor_id == world.users["manager"].id
    assert_problem(client.get(CASES, headers=bearer(secret)), 401)


def test_a_lockout_holds_the_tokens_back_while_it_lasts_without_revoking_them(
        client, world, app, frozen_clock):
    # Anyone who knows a username can lock the account: that must not end its integrations.
    frozen_clock(2026, 3, 2, 10)
    user = world.users["agent"]
    secret = make_token(user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        lockout.record_failure(user)
    db.session.commit()
    assert lockout.is_locked(user)
    assert_problem(client.get(CASES, headers=bearer(secret)), 401)
    clock.freeze(user.locked_until + timedelta(seconds=1))
    assert client.get(CASES, headers=bearer(secret)).status_code == 200
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "api_token_revoke")).all()


def test_a_new_password_revokes_the_users_tokens(client, world, app):
    with app.test_request_context():
        secret, event = _revoked_by(world, lambda user: sessions.change_password(
            user, "another-pass-2"))
    assert "修改登录密码" in event.comment
    assert_problem(client.get(CASES, headers=bearer(secret)), 401)


def test_the_longest_life_is_a_year(world, frozen_clock):
    frozen_clock(2026, 3, 2)
    user = world.users["owner"]
    with pytest.raises(workflow.TransitionError):
        make_token(user, days=366)
    with pytest.raises(workflow.TransitionError):
        make_token(user, days=0)
    make_token(user, days=365)


def test_unknown_scopes_are_refused(world):
    with pytest.raises(workflow.TransitionError):
        make_token(world.users["owner"], scopes=["cases:read", "admin"])


def test_erasing_the_person_deletes_their_tokens(client, world):
    person = world.users["other_enterprise"]
    secret = make_token(person)
    personal_data.erase(person, world.users["manager"], "本人书面申请")
    db.session.commit()
    assert db.session.scalars(select(ApiToken).where(ApiToken.user_id == person.id)).all() == []
    assert_problem(client.get(CASES, headers=bearer(secret)), 401)


def test_joining_an_enterprise_through_a_claim_revokes_the_tokens_made_while_it_waited(
        client, world):
    claimant = make_user("claimant", Role.ENTERPRISE, name="钱八")
    claim = EnterpriseClaim(enterprise=world.enterprises[0], claimant=claimant,
                            claimed_name=world.enterprises[0].name, legal_representative="张三",
                            contact_person="钱八", mobile="13900000000")
    db.session.add(claim)
    db.session.commit()
    secret = make_token(claimant)
    assert client.get(CASES, headers=bearer(secret)).get_json()["items"] == []
    registration.resolve_claim(claim, world.users["manager"], approve=True)
    db.session.commit()
    assert _token_of(claimant).revoked_at is not None
    assert_problem(client.get(CASES, headers=bearer(secret)), 401)
