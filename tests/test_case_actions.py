"""Managers' case actions: accept, decline, (re-)assign, suspend, resume, terminate."""
from types import SimpleNamespace

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from proxy_service import workflow
from proxy_service.cases.staff_actions import staff_panel
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, CaseStatus, Role, Verification

from .factories import make_case, make_user


def flashes(client):
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def act(client, case, action, version=None, **data):
    data["version"] = case.version if version is None else version
    response = client.post(f"/cases/{case.id}/{action}", data=data)
    if response.status_code == 302:
        assert response.headers["Location"].endswith(f"/cases/{case.id}")
    return response


def case_actions(case):
    return db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.case_id == case.id, AuditEvent.object_type == "case")
        .order_by(AuditEvent.id)).all()


@pytest.fixture
def request_(world):
    case = world.case(accepted=False)
    db.session.commit()
    return case


@pytest.fixture
def open_case(world):
    case = world.case()
    db.session.commit()
    return case


@pytest.fixture
def manager(world, login_as):
    return login_as(world.users["manager"])


def test_accept_with_an_agent_starts_the_work(request_, manager, world):
    assert act(manager, request_, "accept", agent_id=world.users["agent"].id,
               comment="材料齐全，承诺 20 个工作日").status_code == 302
    assert request_.status is CaseStatus.SIGNING    # work starts once the agreement is sealed
    assert request_.agent == world.users["agent"]
    assert len(request_.steps) == 3
    assert case_actions(request_) == ["submit_case", "accept", "assign"]
    assert "已受理该代办申请。" in flashes(manager)


def test_accept_without_an_agent_waits_for_one(request_, manager, world):
    act(manager, request_, "accept", agent_id="")
    assert request_.status is CaseStatus.ACCEPTED and request_.agent is None
    act(manager, request_, "assign", agent_id=world.users["other_agent"].id)
    assert request_.status is CaseStatus.SIGNING
    assert request_.agent == world.users["other_agent"]
    assert [a.assigned_by_id for a in request_.assignments] == [world.users["manager"].id]


def test_an_unverified_enterprise_is_not_accepted(request_, manager, world):
    world.enterprises[0].verification = Verification.PENDING
    db.session.commit()
    act(manager, request_, "accept", agent_id=world.users["agent"].id)
    assert "请先核验该企业的营业执照，再受理其代办申请。" in flashes(manager)
    assert request_.status is CaseStatus.SUBMITTED and request_.steps == []


def test_the_page_warns_about_an_unverified_enterprise(request_, manager, world):
    world.enterprises[0].verification = Verification.PENDING
    db.session.commit()
    page = manager.get(f"/cases/{request_.id}").get_data(as_text=True)
    assert "企业营业执照尚未核验" in page and 'href="/admin/enterprises"' in page


def test_decline_needs_a_reason(request_, manager):
    act(manager, request_, "decline", reason=" ")
    assert request_.status is CaseStatus.SUBMITTED
    assert any("不予受理须说明理由。" in m for m in flashes(manager))
    act(manager, request_, "decline", reason="项目不在本园区范围")
    assert (request_.status, request_.reason) == (CaseStatus.DECLINED, "项目不在本园区范围")


def test_reassign_needs_a_reason_and_keeps_the_history(open_case, manager, world):
    act(manager, open_case, "assign", agent_id=world.users["other_agent"].id)
    assert "改派须填写原因。" in flashes(manager)
    assert open_case.agent == world.users["agent"]
    act(manager, open_case, "assign", agent_id=world.users["other_agent"].id, reason="原代办员休产假")
    assert open_case.agent == world.users["other_agent"]
    assert [(a.agent.name, a.reason) for a in open_case.assignments] == [
        ("刘代办", ""), ("陈代办", "原代办员休产假")]
    page = manager.get(f"/cases/{open_case.id}").get_data(as_text=True)
    assert "原代办员休产假" in page and "王经理" in page


def test_suspend_resume_terminate(open_case, manager):
    act(manager, open_case, "suspend", reason="")
    assert open_case.status is CaseStatus.IN_PROGRESS
    act(manager, open_case, "suspend", reason="企业融资未到位")
    assert (open_case.status, open_case.reason) == (CaseStatus.SUSPENDED, "企业融资未到位")
    act(manager, open_case, "resume", comment="资金已到位")
    assert open_case.status is CaseStatus.IN_PROGRESS
    act(manager, open_case, "terminate", reason="企业决定不再投资")
    assert (open_case.status, open_case.reason) == (CaseStatus.TERMINATED, "企业决定不再投资")
    assert case_actions(open_case)[-3:] == ["suspend", "resume", "terminate"]


def test_an_illegal_move_is_a_message_not_an_error(open_case, manager):
    assert act(manager, open_case, "resume").status_code == 302
    assert open_case.status is CaseStatus.IN_PROGRESS
    assert any("不能执行" in m for m in flashes(manager))


@pytest.mark.parametrize("who, status", [
    ("agent", 403), ("owner", 403), ("other_agent", 404), ("other_enterprise", 404),
    ("other_manager", 404), ("other_center_agent", 404)])
@pytest.mark.parametrize("action", ["accept", "assign", "suspend", "terminate"])
def test_only_managers_of_the_center_act(open_case, world, login_as, who, status, action):
    client = login_as(world.users[who])
    response = act(client, open_case, action, reason="理由", agent_id=world.users["other_agent"].id)
    assert response.status_code == status
    assert open_case.status is CaseStatus.IN_PROGRESS and open_case.agent == world.users["agent"]


def test_agents_do_not_even_see_requests_waiting_for_acceptance(request_, world, login_as):
    client = login_as(world.users["agent"])
    assert act(client, request_, "accept", agent_id=world.users["agent"].id).status_code == 404
    assert request_.status is CaseStatus.SUBMITTED


@pytest.mark.parametrize("action, data", [
    ("suspend", {"reason": "暂停"}), ("terminate", {"reason": "终止"}),
    ("assign", {"reason": "改派", "agent": "other_agent"})])
def test_a_stale_case_version_is_refused(open_case, manager, world, action, data):
    seen = open_case.version
    workflow.suspend_case(open_case, world.users["manager"], "另一位经理已中止")
    workflow.resume_case(open_case, world.users["manager"])
    db.session.commit()
    if "agent" in data:
        data = dict(data, agent_id=world.users[data.pop("agent")].id)
    act(manager, open_case, action, version=seen, **data)
    assert "该记录在您编辑期间已被他人修改，未保存。" in flashes(manager)
    assert open_case.status is CaseStatus.IN_PROGRESS and open_case.agent == world.users["agent"]
    assert open_case.version == seen + 2


def test_a_concurrent_save_caught_at_commit_is_a_message(open_case, manager, monkeypatch):
    def lost_race(case, *args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'cases' expected to update 1 row(s)")
    monkeypatch.setattr(workflow, "suspend_case", lost_race)
    assert act(manager, open_case, "suspend", reason="暂停").status_code == 302
    assert flashes(manager) == ["该记录在您编辑期间已被他人修改，未保存。"]
    assert open_case.status is CaseStatus.IN_PROGRESS


def test_a_stale_accept_is_refused(request_, manager):
    act(manager, request_, "accept", version=request_.version - 1)
    assert request_.status is CaseStatus.SUBMITTED


@pytest.mark.parametrize("who", ["other_center_agent", "manager", "inactive_agent"])
def test_only_active_agents_of_the_center_can_be_named(request_, manager, world, who):
    if who == "inactive_agent":
        world.users[who] = make_user("agent9", Role.AGENT, center=world.centers[0])
        world.users[who].active = False
        db.session.commit()
    act(manager, request_, "accept", agent_id=world.users[who].id)
    assert "只能指派本中心在岗的代办员。" in " ".join(flashes(manager))
    assert request_.status is CaseStatus.SUBMITTED and request_.agent is None


def test_the_forms_follow_the_status(request_, world, manager):
    make_case(world.other_project, world.users["other_enterprise"], world.items,
              accept_by=world.users["manager"], agent=world.users["agent"])
    db.session.commit()
    page = manager.get(f"/cases/{request_.id}").get_data(as_text=True)
    assert f'action="/cases/{request_.id}/accept"' in page
    assert f'action="/cases/{request_.id}/decline"' in page
    assert "/suspend" not in page and "暂不指派" in page
    assert "刘代办（在办案件 1，在办事项 3）" in page
    assert "陈代办（在办案件 0，在办事项 0）" in page


def test_an_in_progress_case_offers_reassign_suspend_terminate(open_case, manager):
    page = manager.get(f"/cases/{open_case.id}").get_data(as_text=True)
    for action in ("assign", "suspend", "terminate"):
        assert f'action="/cases/{open_case.id}/{action}"' in page
    assert f'action="/cases/{open_case.id}/accept"' not in page
    assert "改派代办员" in page


def test_agents_see_no_manager_forms(open_case, world, login_as):
    page = login_as(world.users["agent"]).get(f"/cases/{open_case.id}").get_data(as_text=True)
    assert f'action="/cases/{open_case.id}/terminate"' not in page
    assert "指派记录" in page


def test_the_actions_run_a_fixed_number_of_queries(open_case, world, app, count_queries):
    def queries_to_render():
        db.session.expire_all()
        with app.test_request_context(), count_queries() as counter:
            login_user(world.users["manager"])
            html = render_template("cases/_staff_actions.html", case=open_case,
                                   **staff_panel(world.users["manager"], open_case))
        assert "指派记录" in html
        return counter.count

    few = queries_to_render()
    for turn in range(6):   # distinct agents who since left: a lazy load per row would show
        agent = make_user(f"relief{turn}", Role.AGENT, center=world.centers[0])
        workflow.assign_agent(open_case, world.users["manager"], agent, f"第 {turn} 次改派")
        agent.active = False
    db.session.commit()
    assert queries_to_render() == few


@pytest.mark.parametrize("status, offered", [
    (CaseStatus.SUBMITTED, ["accept", "decline"]),
    (CaseStatus.ACCEPTED, ["assign", "terminate"]),
    (CaseStatus.SIGNING, ["assign", "terminate"]),
    (CaseStatus.IN_PROGRESS, ["assign", "suspend", "terminate"]),
    (CaseStatus.SUSPENDED, ["assign", "resume", "terminate"]),
    (CaseStatus.COMPLETED, []), (CaseStatus.DECLINED, []), (CaseStatus.TERMINATED, [])])
def test_the_page_offers_the_moves_of_the_table(status, offered):
    """The manager's buttons in each status, in the page's order, come from CASE_MOVES."""
    assert workflow.case_actions(SimpleNamespace(status=status)) == offered
