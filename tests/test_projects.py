"""An enterprise's projects: create, edit, validation, frozen fields, stale edits, access."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, FilingType, Project

from .factories import make_industry, make_project


def flashes(client):
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def text(response):
    return response.get_data(as_text=True)


def project_form(world, **changes):
    data = {"name": "晋中智能制造产业园项目", "code": "2403-140700-89-01-123456",
            "center_id": str(world.centers[0].id), "industry_id": str(make_industry().id),
            "total_investment": "12345.6789", "land_area": "80.5", "location": "晋中开发区汇通产业园",
            "content": "新建厂房 3 万平方米", "planned_start": "2025-06-01", "standard_land": "y",
            "filing_type": "approval"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit_form(world, project, **changes):
    data = project_form(world, name=project.name, code=project.code, version=str(project.version),
                        total_investment=str(project.total_investment),
                        land_area=str(project.land_area), location=project.location,
                        content=project.content, filing_type=project.filing_type.value,
                        standard_land="y" if project.standard_land else None, planned_start="")
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def actions(project):
    return db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "project", AuditEvent.object_id == project.id)
        .order_by(AuditEvent.id)).all()


@pytest.fixture
def owner(world, login_as):
    return login_as(world.users["owner"])


def test_create_project_keeps_the_amount_exact(owner, world):
    response = owner.post("/projects/new", data=project_form(world))
    assert response.status_code == 302
    project = db.session.scalar(select(Project).where(Project.name == "晋中智能制造产业园项目"))
    assert response.headers["Location"].endswith(f"/projects/{project.id}")
    db.session.expire_all()
    assert project.total_investment == Decimal("12345.6789")
    assert str(project.total_investment) == "12345.6789"
    assert (project.land_area, project.enterprise, project.standard_land) == (
        Decimal("80.5"), world.enterprises[0], True)
    assert project.filing_type is FilingType.APPROVAL
    assert project.planned_start.isoformat() == "2025-06-01"
    assert actions(project) == ["project_create"]
    page = text(owner.get(f"/projects/{project.id}"))
    assert "12,345.6789" in page and "2403-140700-89-01-123456" in page


def test_project_code_is_optional(owner, world):
    assert owner.post("/projects/new", data=project_form(world, code="")).status_code == 302


@pytest.mark.parametrize("changes, message", [
    ({"total_investment": "-5"}, "总投资须大于 0 万元"),
    ({"total_investment": "0"}, "总投资须大于 0 万元"),
    ({"total_investment": "1.23456"}, "最多保留 4 位小数"),
    ({"total_investment": "NaN"}, "请输入数字"),
    ({"total_investment": "一万"}, "请输入数字"),
    ({"total_investment": ""}, "请填写此项"),
    ({"land_area": "-1"}, "用地面积不能为负数"),
    ({"code": "2403-14070-89-01-123456"}, "项目代码格式应为 YYMM-RRRRRR-DD-TT-NNNNNN"),
    ({"name": ""}, "请填写项目名称"),
    ({"industry_id": "999"}, "请选择所属行业"),
    ({"filing_type": "other"}, "请选择备案类或核准类"),
])
def test_invalid_project_is_refused_with_field_error(owner, world, changes, message):
    before = db.session.scalars(select(Project.id)).all()
    response = owner.post("/projects/new", data=project_form(world, **changes))
    assert response.status_code == 422
    assert message in text(response)
    assert db.session.scalars(select(Project.id)).all() == before


def test_land_area_may_be_zero(owner, world):
    assert owner.post("/projects/new", data=project_form(world, land_area="0")).status_code == 302


def test_edit_project(owner, world):
    project = world.project
    response = owner.post(f"/projects/{project.id}/edit", data=edit_form(
        world, project, name="改名后的项目", total_investment="15000.25", content="调整建设内容"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (project.name, project.total_investment, project.content) == (
        "改名后的项目", Decimal("15000.25"), "调整建设内容")
    assert actions(project) == ["project_edit"]


def test_edit_form_shows_current_values(owner, world):
    page = text(owner.get(f"/projects/{world.project.id}/edit"))
    assert 'value="12000.5"' in page and world.project.name in page


def test_case_fields_are_frozen_while_a_case_is_open(owner, world):
    world.case()
    db.session.commit()
    project = world.project
    page = text(owner.get(f"/projects/{project.id}/edit"))
    assert "暂不能修改" in page
    assert re.search(r'<input[^>]* disabled id="name"', page)
    assert re.search(r'<textarea[^>]* id="content"', page) and 'disabled id="content"' not in page
    response = owner.post(f"/projects/{project.id}/edit", data=edit_form(
        world, project, name="偷偷改名", total_investment="1", content="补充建设内容"))
    assert response.status_code == 302
    assert any("不能修改" in message and "项目名称" in message for message in flashes(owner))
    db.session.expire_all()
    assert project.name == "尚风绿谷碳中和环保科技产业园项目"
    assert project.total_investment == Decimal("12000.5")
    assert project.content == "补充建设内容"


def test_frozen_fields_may_be_left_out_of_the_post(owner, world):
    # Browsers do not send disabled inputs.
    world.case()
    db.session.commit()
    project = world.project
    data = {k: v for k, v in edit_form(world, project, content="只改内容").items()
            if k not in Project.CASE_FIELDS}
    assert owner.post(f"/projects/{project.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert project.content == "只改内容" and project.name == "尚风绿谷碳中和环保科技产业园项目"


def test_case_fields_can_change_again_after_the_case_ends(owner, world):
    case = world.case()
    workflow.withdraw_case(case, world.users["owner"], "项目调整")
    db.session.commit()
    project = world.project
    assert owner.post(f"/projects/{project.id}/edit",
                      data=edit_form(world, project, name="新名称")).status_code == 302
    db.session.expire_all()
    assert project.name == "新名称"


def test_stale_edit_is_refused_and_shows_current_values(owner, world):
    project = world.project
    seen = project.version
    project.location = "别人刚改的地点"
    db.session.commit()
    response = owner.post(f"/projects/{project.id}/edit", data=edit_form(
        world, project, version=str(seen), location="我的地点", name="我的名称"))
    assert response.status_code == 409
    page = text(response)
    assert "该项目在您编辑期间已被修改" in page and "别人刚改的地点" in page
    db.session.expire_all()
    assert (project.location, project.name) == ("别人刚改的地点", "尚风绿谷碳中和环保科技产业园项目")
    assert actions(project) == []


def test_project_pages_list_its_cases(owner, world):
    case = world.case()
    db.session.commit()
    page = text(owner.get(f"/projects/{world.project.id}"))
    assert case.number in page and "办理中" in page
    assert f"/cases/new?project_id={world.project.id}" not in page


@pytest.mark.parametrize("url", ["/projects/{id}", "/projects/{id}/edit"])
def test_other_enterprises_project_is_not_found(owner, world, url):
    assert owner.get(url.format(id=world.other_project.id)).status_code == 404


def test_other_enterprises_project_cannot_be_edited(owner, world):
    project = world.other_project
    response = owner.post(f"/projects/{project.id}/edit", data=edit_form(world, project, name="抢占"))
    assert response.status_code == 404
    db.session.expire_all()
    assert project.name == "华丰光伏电池组件项目" and actions(project) == []


@pytest.mark.parametrize("who", ["manager", "agent", "other_manager"])
@pytest.mark.parametrize("url", ["/projects", "/projects/new", "/projects/{id}",
                                 "/projects/{id}/edit", "/enterprise", "/enterprise/edit",
                                 "/enterprise/users/new"])
def test_staff_may_not_use_enterprise_pages(client, world, login_as, who, url):
    login_as(world.users[who])
    assert client.get(url.format(id=world.project.id)).status_code == 403


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get("/projects")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_project_list_shows_own_projects_only(owner, world):
    page = text(owner.get("/projects"))
    assert world.project.name in page and world.other_project.name not in page
    assert "12,000.5" in page and f"/cases/new?project_id={world.project.id}" in page


def test_project_list_queries_do_not_grow(owner, world, count_queries):
    enterprise, center = world.enterprises[0], world.centers[0]

    def add_projects(n):
        for i in range(n):
            project = make_project(enterprise, center, name=f"项目{i}")
            project.industry = make_industry(f"行业{i % 7}")
        db.session.commit()

    add_projects(4)
    world.case()   # one open case among them
    db.session.commit()
    with count_queries() as few:
        assert owner.get("/projects").status_code == 200
    add_projects(45)
    with count_queries() as many:
        page = text(owner.get("/projects"))
    assert "项目44" in page
    assert many.count == few.count
