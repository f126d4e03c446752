"""The enterprise's projects and profile through /api/v1 (enterprise tokens, as the pages'
enterprise_required: staff 403), and the catalogue (any token)."""
import pytest

from proxy_service.core.extensions import db
from proxy_service.models import Role

from . import factories
from .api_helpers import assert_problem, bearer, make_token

STAFF = ("manager", "agent", "other_manager")


def test_an_enterprise_reads_its_projects_and_their_cases(client, world):
    case = world.case()
    db.session.commit()
    secret = make_token(world.users["owner"])
    listed = client.get("/api/v1/projects", headers=bearer(secret)).get_json()
    assert [item["id"] for item in listed["items"]] == [world.project.id]
    project = client.get(f"/api/v1/projects/{world.project.id}", headers=bearer(secret)).get_json()
    assert project["name"] == world.project.name and project["center"]["id"] == world.centers[0].id
    assert project["total_investment"] == "12000.5" and project["land_area"] == "150"
    assert [item["id"] for item in project["cases"]] == [case.id]
    assert project["cases"][0]["status"] == "in_progress"
    assert {key: value for key, value in project.items() if key != "cases"} == listed["items"][0]


def test_another_enterprises_project_is_404(client, world):
    secret = make_token(world.users["other_enterprise"])
    assert_problem(client.get(f"/api/v1/projects/{world.project.id}", headers=bearer(secret)), 404)
    listed = client.get("/api/v1/projects", headers=bearer(secret)).get_json()
    assert [item["id"] for item in listed["items"]] == [world.other_project.id]


@pytest.mark.parametrize("who", STAFF)
def test_staff_tokens_get_403_as_on_the_enterprise_pages(client, world, who):
    secret = make_token(world.users[who])
    for url in ("/api/v1/projects", f"/api/v1/projects/{world.project.id}", "/api/v1/profile"):
        body = assert_problem(client.get(url, headers=bearer(secret)), 403)
        assert "企业用户" in body["detail"]


def test_an_enterprise_reads_its_own_profile(client, world):
    secret = make_token(world.users["owner"])
    body = client.get("/api/v1/profile", headers=bearer(secret)).get_json()
    enterprise = world.enterprises[0]
    assert body["id"] == enterprise.id and body["uscc"] == enterprise.uscc
    assert body["verification"] == "verified" and body["home_center"]["id"] == world.centers[0].id
    other = client.get("/api/v1/profile", headers=bearer(make_token(world.users["other_enterprise"])))
    assert other.get_json()["id"] == world.enterprises[1].id


def test_a_claimant_without_an_enterprise_has_no_profile_yet(client, world):
    claimant = factories.make_user("claimer", Role.ENTERPRISE, name="孙七")
    db.session.commit()
    secret = make_token(claimant)
    assert_problem(client.get("/api/v1/profile", headers=bearer(secret)), 404)
    assert client.get("/api/v1/projects", headers=bearer(secret)).get_json()["items"] == []


@pytest.mark.parametrize("who, center", [("manager", 0), ("agent", 0), ("other_manager", 1),
                                         ("owner", 0)])
def test_the_catalogue_is_the_items_in_use_of_the_callers_centers(client, world, who, center):
    items = world.items if center == 0 else world.other_items
    items[0].retired = True
    db.session.commit()
    secret = make_token(world.users[who])
    body = client.get("/api/v1/catalogue", headers=bearer(secret)).get_json()
    assert [item["id"] for item in body["items"]] == [item.id for item in items[1:]]
    building = body["items"][-1]
    assert building["name"] == "施工许可证" and building["stage"] == "building"
    assert building["prerequisites"] == [items[1].id] and building["materials"] == ["申请表", "营业执照"]
    assert building["promised_limit"] == 7 and building["promised_unit"] == "workday"


def test_an_enterprise_sees_the_catalogues_of_its_home_center_and_its_projects_centers(
        client, world):
    secret = make_token(world.users["other_enterprise"])
    ids = [item["id"] for item in client.get("/api/v1/catalogue", headers=bearer(secret))
           .get_json()["items"]]
    assert ids == [item.id for item in world.items]   # home center and project: the first
    factories.make_project(world.enterprises[1], world.centers[1], "宁夏项目")
    db.session.commit()
    ids = [item["id"] for item in client.get("/api/v1/catalogue", headers=bearer(secret))
           .get_json()["items"]]
    assert ids == [item.id for item in world.items + world.other_items]
    claimant = factories.make_user("claimer", Role.ENTERPRISE, name="孙七")
    db.session.commit()
    nothing = client.get("/api/v1/catalogue", headers=bearer(make_token(claimant))).get_json()
    assert nothing["items"] == []


def test_the_catalogue_needs_cases_read(client, world):
    secret = make_token(world.users["manager"], scopes=["reports:read"])
    assert_problem(client.get("/api/v1/catalogue", headers=bearer(secret)), 403)
