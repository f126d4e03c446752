"""Center service tokens: a manager makes one on the center's settings page (password and
one-time code again), shown once; it acts as the center's service user — a manager of the
center that cannot log in and is never listed, offered or notified — so it reaches exactly
the center's cases, within its scopes. The center's managers see (creator, last use) and
revoke its tokens, another center's managers cannot; both are audited in Chinese. The token
belongs to the center: deactivating the manager who made it leaves it working."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import ApiToken, AuditEvent, Role, User
from proxy_service.notifications import events
from proxy_service.workflow import center_tokens, quality
from proxy_service.workflow.accounts import deactivate_account

from .api_helpers import assert_problem, bearer
from .factories import PASSWORD, make_case, make_enterprise, make_project, make_user, staff_code

PAGE = "/center/api-tokens"
SECRET = re.compile(r'id="new-token-secret">(psk_[^<]+)<')


def _form(**changes):
    return {"name": "省工程建设项目审批管理系统", "scopes": ["cases:read", "steps:write"],
            "expires_on": (clock.today() + timedelta(days=30)).isoformat(),
            "password": PASSWORD, "code": staff_code(), **changes}


def _center_token(world, manager="manager", scopes=("cases:read",)):
    _token, secret = center_tokens.create_center_token(
        world.users[manager], name="省系统", scopes=list(scopes),
        expires_on=clock.today() + timedelta(days=30))
    db.session.commit()
    return secret


def _service_user(center):
    return db.session.scalars(select(User).where(User.center_id == center.id,
                                                 User.service.is_(True))).one()


@pytest.fixture
def other_center_case(world):
    enterprise = make_enterprise(world.centers[1], "银川某某有限公司", "91640100MA76XYZ12B")
    owner = make_user("yc-owner", Role.ENTERPRISE, enterprise=enterprise)
    project = make_project(enterprise, world.centers[1], "银川项目")
    case = make_case(project, owner, world.other_items, accept_by=world.users["other_manager"],
                     agent=world.users["other_center_agent"])
    db.session.commit()
    return case


def test_a_manager_makes_a_center_token_after_the_password_and_code(client, world, login_as):
    login_as(world.users["manager"])
    assert client.post(PAGE, data=_form(code="")).status_code == 422
    response = client.post(PAGE, data=_form())
    assert response.status_code == 200
    secret = SECRET.search(response.text).group(1)
    token = db.session.scalars(select(ApiToken)).one()
    assert token.user.service and token.user.center_id == world.centers[0].id
    assert token.created_by == world.users["manager"]
    listed = client.get(PAGE).text
    assert secret not in listed and token.hint in listed and "王经理" in listed
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "center_token_create")).one()
    assert event.actor_id == world.users["manager"].id and event.center_id == world.centers[0].id
    assert event.comment.startswith("省工程建设项目审批管理系统（psk_")


@pytest.mark.parametrize("role", ["agent", "owner"])
def test_only_managers_have_the_page(client, world, login_as, role):
    login_as(world.users[role])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=_form()).status_code == 403


def test_one_service_user_per_center_made_with_the_first_token(world):
    _center_token(world)
    _center_token(world)
    _center_token(world, manager="other_manager")
    service = db.session.scalars(select(User).where(User.service.is_(True))).all()
    assert sorted(user.center_id for user in service) == sorted(c.id for c in world.centers)
    assert all(user.role is Role.MANAGER for user in service)


def test_the_token_reaches_exactly_the_center_s_cases(client, world, other_center_case):
    ours = [world.case(agent="other_agent"),
            make_case(world.other_project, world.users["other_enterprise"], world.items)]
    secret = _center_token(world)
    listed = client.get("/api/v1/cases", headers=bearer(secret)).get_json()["items"]
    assert sorted(item["id"] for item in listed) == sorted(case.id for case in ours)
    assert client.get(f"/api/v1/cases/{ours[1].id}", headers=bearer(secret)).status_code == 200
    assert_problem(client.get(f"/api/v1/cases/{other_center_case.id}", headers=bearer(secret)),
                   404)


def test_the_token_is_narrowed_by_its_scopes(client, world):
    case = world.case()
    step = case.steps[0]
    secret = _center_token(world, scopes=("cases:read",))
    response = client.patch(f"/api/v1/cases/{case.id}/steps/{step.id}", json={"note": "x"},
                            headers=bearer(secret, **{"If-Match": f'"{step.version}"'}))
    assert_problem(response, 403)


def test_the_service_user_cannot_log_in_and_counts_no_failure(client, world):
    _center_token(world)
    service = _service_user(world.centers[0])
    for password in (PASSWORD, "!", ""):
        response = client.post("/login", data={"username": service.username, "password": password})
        assert response.status_code != 302 and "_sid" not in str(response.headers)
    db.session.refresh(service)
    assert service.failed_logins == 0 and service.locked_until is None


def test_the_service_user_is_never_listed_among_the_staff(client, world, login_as):
    case = world.case(accepted=False)
    _center_token(world)
    name = _service_user(world.centers[0]).name
    login_as(world.users["manager"])
    for page in ("/admin/users", f"/cases/{case.id}", "/cases", "/manage/dashboard",
                 "/manage/workload", "/manage/report", "/quality/absences"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert name not in response.text, page


def test_managers_of_the_center_revoke_its_tokens_and_others_cannot(client, world, login_as):
    secret = _center_token(world)
    token = db.session.scalars(select(ApiToken)).one()
    login_as(world.users["other_manager"])
    assert token.hint not in client.get(PAGE).text
    assert client.post(f"{PAGE}/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
    client.post("/logout")
    colleague = make_user("manager3", Role.MANAGER, center=world.centers[0], name="周经理")
    db.session.commit()
    login_as(colleague)
    assert client.post(f"{PAGE}/{token.id}/revoke").status_code == 302
    assert_problem(client.get("/api/v1/cases", headers=bearer(secret)), 401)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "center_token_revoke")).one()
    assert event.actor_id == colleague.id and event.comment.startswith("省系统（psk_")


def test_center_tokens_are_not_on_the_personal_page_nor_personal_ones_here(
        client, world, login_as):
    _center_token(world)
    login_as(world.users["manager"])
    assert "省系统" not in client.get("/account/api-tokens").text
    assert "省系统" in client.get(PAGE).text


def test_deactivating_the_manager_who_made_it_leaves_the_token_working(client, world):
    secret = _center_token(world, manager="manager")
    colleague = make_user("manager3", Role.MANAGER, center=world.centers[0], name="周经理")
    deactivate_account(world.users["manager"], colleague)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
    assert db.session.scalars(select(ApiToken)).one().revoked_at is None


def test_the_service_user_is_not_notified_nor_answerable_for_a_case(world):
    case = world.case()
    _center_token(world)
    assert events.center_managers(db.session, world.centers[0].id) == [world.users["manager"]]
    assert quality.responsible_manager(case) == world.users["manager"]


def test_the_database_keeps_one_service_user_per_center(world):
    _center_token(world)
    twin = User(username="twin", password_hash="!", role=Role.MANAGER, service=True, name="x",
                center_id=world.centers[0].id)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
