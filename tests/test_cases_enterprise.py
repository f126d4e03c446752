"""An enterprise asks for the proxy service on one of its projects (/cases/new)."""
import re

import pytest

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    Case,
    CaseStatus,
    CaseTemplate,
    FilingType,
    Role,
    Verification,
)

from .factories import make_user


def checked_items(html):
    """The ids of the item checkboxes ticked on the request form."""
    return {int(i) for i in re.findall(r'name="items" value="(\d+)" id="item-\d+"\s+checked', html)}


def request_data(chosen, **extra):
    data = {"items": [item.id for item in chosen], "contact_name": "李四",
            "contact_mobile": "13912345678", "note": "年内开工"}
    return {**data, **extra}


def new_url(world):
    return f"/cases/new?project_id={world.project.id}"


def test_form_offers_the_center_catalogue_preselected_from_the_filing_template(client, world, login_as):
    login_as(world.users["owner"])
    page = client.get(new_url(world)).text
    assert checked_items(page) == {item.id for item in world.items}
    assert "行政审批局" in page and "7 工作日" in page and "14 工作日" in page
    assert "立项用地规划许可" in page and "施工许可" in page
    assert "建设工程规划许可证" in page and world.other_items[0].id not in checked_items(page)
    assert 'value="李四"' in page and 'value="13912345678"' in page


def test_an_approval_project_gets_the_approval_template(client, world, login_as):
    db.session.add(CaseTemplate(center=world.centers[0], name="核准类项目", items=world.items[1:2]))
    world.project.filing_type = FilingType.APPROVAL
    db.session.commit()
    login_as(world.users["owner"])
    assert checked_items(client.get(new_url(world)).text) == {world.items[1].id}


def test_a_standard_land_project_without_its_template_gets_no_preselection(client, world, login_as):
    world.project.standard_land = True
    db.session.commit()
    login_as(world.users["owner"])
    assert checked_items(client.get(new_url(world)).text) == set()


def test_the_enterprise_may_choose_the_template(client, world, login_as):
    approval = CaseTemplate(center=world.centers[0], name="核准类项目", items=world.items[2:])
    retired = CaseTemplate(center=world.centers[0], name="旧模板", items=world.items[:1], retired=True)
    db.session.add_all([approval, retired])
    db.session.commit()
    login_as(world.users["owner"])
    page = client.get(f"{new_url(world)}&template_id={approval.id}").text
    assert checked_items(page) == {world.items[2].id}
    assert "核准类项目" in page and "旧模板" not in page
    assert checked_items(client.get(f"{new_url(world)}&template_id=0").text) == set()
    assert checked_items(client.get(f"{new_url(world)}&template_id={retired.id}").text) == set()


def test_submitting_creates_the_request_with_its_audit_event(client, world, login_as):
    login_as(world.users["owner"])
    template = db.session.query(CaseTemplate).filter_by(center_id=world.centers[0].id).one()
    response = client.post(new_url(world), data=request_data(world.items[:2], template_id=template.id))
    case = db.session.query(Case).one()
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{case.id}"
    assert case.status is CaseStatus.SUBMITTED and case.project_id == world.project.id
    assert case.requested_items == [world.items[0].id, world.items[1].id]
    assert case.template_id == template.id
    assert (case.contact_name, case.contact_mobile, case.note) == ("李四", "13912345678", "年内开工")
    event = db.session.query(AuditEvent).filter_by(case_id=case.id).one()
    assert (event.action, event.actor_id) == ("submit_case", world.users["owner"].id)
    assert "代办申请已提交" in client.get(response.headers["Location"]).text


def test_a_project_with_an_open_case_is_refused(client, world, login_as):
    world.case(accepted=False)
    db.session.commit()
    login_as(world.users["owner"])
    response = client.post(new_url(world), data=request_data(world.items))
    assert response.status_code == 422 and "该项目已有进行中的代办案件" in response.text
    assert db.session.query(Case).count() == 1


def test_a_simultaneous_second_request_is_refused_by_the_database(client, world, login_as,
                                                                  monkeypatch):
    world.case(accepted=False)
    db.session.commit()
    # Two submissions racing past the workflow's check: the partial unique index decides.
    monkeypatch.setattr(workflow.cases, "_open_case_exists", lambda project: False)
    login_as(world.users["owner"])
    response = client.post(new_url(world), data=request_data(world.items))
    assert response.status_code == 422 and "该项目已有进行中的代办案件" in response.text
    assert db.session.query(Case).count() == 1


def test_an_item_of_another_center_is_refused(client, world, login_as):
    login_as(world.users["owner"])
    response = client.post(new_url(world), data=request_data([world.items[0], world.other_items[0]]))
    assert response.status_code == 422 and "所选事项不在该园区当前的事项目录中" in response.text
    assert db.session.query(Case).count() == 0


def test_a_retired_item_is_refused(client, world, login_as):
    world.items[0].retired = True
    db.session.commit()
    login_as(world.users["owner"])
    response = client.post(new_url(world), data=request_data(world.items))
    assert response.status_code == 422 and db.session.query(Case).count() == 0
    assert f'id="item-{world.items[0].id}"' not in response.text


@pytest.mark.parametrize("field, value, message", [
    ("contact_mobile", "12345678901", "请填写 11 位手机号码"),
    ("contact_mobile", "1391234567", "请填写 11 位手机号码"),
    ("contact_name", "", "请填写联系人"),
    ("items", [], "请至少选择一项"),
])
def test_invalid_requests_show_field_errors(client, world, login_as, field, value, message):
    login_as(world.users["owner"])
    response = client.post(new_url(world), data=request_data(world.items, **{field: value}))
    assert response.status_code == 422 and message in response.text
    assert db.session.query(Case).count() == 0


def test_an_unverified_enterprise_is_told_and_may_still_submit(client, world, login_as):
    world.enterprises[0].verification = Verification.PENDING
    db.session.commit()
    login_as(world.users["owner"])
    assert "核验营业执照" in client.get(new_url(world)).text
    assert client.post(new_url(world), data=request_data(world.items)).status_code == 302
    assert db.session.query(Case).one().status is CaseStatus.SUBMITTED


def test_another_enterprises_project_is_not_found(client, world, login_as):
    login_as(world.users["owner"])
    assert client.get(f"/cases/new?project_id={world.other_project.id}").status_code == 404
    response = client.post(f"/cases/new?project_id={world.other_project.id}",
                           data=request_data(world.items))
    assert response.status_code == 404 and db.session.query(Case).count() == 0


@pytest.mark.parametrize("who", ["agent", "manager"])
def test_staff_cannot_request(client, world, login_as, who):
    login_as(world.users[who])
    assert client.get(new_url(world)).status_code == 403


def test_a_user_whose_claim_is_pending_is_sent_to_the_enterprise_page(client, world, login_as):
    """...from the request form; with a project named, the project is not found, as for any
    outsider (test_access_matrix covers the routes with a project id in their path)."""
    claimant = make_user("claimant", Role.ENTERPRISE, name="待认领用户")
    db.session.commit()
    login_as(claimant)
    response = client.get("/cases/new")
    assert response.status_code == 302 and response.headers["Location"] == "/enterprise"
    with client.session_transaction() as session:
        assert any("认领审核" in message for _category, message in session["_flashes"])
    assert client.get(new_url(world)).status_code == 404
    assert client.post(new_url(world), data={"items": [str(world.items[0].id)]}).status_code == 404
    assert client.get(f"/cases/new?project_id={world.other_project.id}").status_code == 404


def test_without_a_project_the_enterprise_picks_one(client, world, login_as):
    world.case(accepted=False)
    db.session.commit()
    login_as(world.users["owner"])
    page = client.get("/cases/new").text
    assert "尚风绿谷碳中和环保科技产业园项目" in page and "已有进行中的代办" in page
    assert "华丰光伏电池组件项目" not in page   # the other enterprise's project
