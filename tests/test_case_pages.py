"""The case list and the case page: who sees what, filters, withdraw, a fixed number of queries."""
import pytest

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    CaseStatus,
    Document,
    Industry,
    Message,
    Stage,
    StepStatus,
)

from .factories import make_case, make_item, make_project


def fetch_queries(client, count_queries, url):
    """Statements run by one GET of `url`, as a fresh request would (nothing cached)."""
    db.session.expire_all()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def add_cases(world, count, start=0):
    """`count` accepted cases on new projects of the first enterprise, assigned to `agent`."""
    for i in range(start, start + count):
        project = make_project(world.enterprises[0], world.centers[0], f"批量测试项目{i:03d}")
        make_case(project, world.users["owner"], world.items, accept_by=world.users["manager"],
                  agent=world.users["agent"])
    db.session.commit()


def step_named(case, name):
    return next(step for step in case.steps if step.item.name == name)


# --- the list -------------------------------------------------------------------

@pytest.mark.parametrize("who, sees", [("owner", True), ("other_enterprise", False),
                                       ("agent", True), ("other_agent", False),
                                       ("manager", True), ("other_manager", False),
                                       ("other_center_agent", False)])
def test_list_shows_a_case_only_to_those_who_may_see_it(client, world, login_as, who, sees):
    case = world.case()
    db.session.commit()
    login_as(world.users[who])
    response = client.get("/cases")
    assert response.status_code == 200
    assert (case.number in response.text) is sees


def test_enterprise_list_shows_progress_agent_and_a_request_button(client, world, login_as):
    case = world.case()
    workflow.update_step(step_named(case, "项目备案"), world.users["agent"], seen_version=None,
                         action="skip", not_required_reason="已备案")
    db.session.commit()
    login_as(world.users["owner"])
    page = client.get("/cases").text
    assert "1 / 3 项" in page
    assert "刘代办" in page and "13800000000" in page
    assert "尚风绿谷碳中和环保科技产业园项目" in page
    assert 'href="/cases/new"' in page and "申请代办" in page


def test_staff_list_names_the_enterprise(client, world, login_as):
    world.case()
    db.session.commit()
    login_as(world.users["agent"])
    assert "山西绿碳环保科技有限公司" in client.get("/cases").text


def test_manager_filters_by_status_and_agent(client, world, login_as):
    assigned = world.case()
    waiting = make_case(world.other_project, world.users["other_enterprise"], world.items)
    db.session.commit()
    login_as(world.users["manager"])
    by_status = client.get("/cases?status=submitted").text
    assert waiting.number in by_status and assigned.number not in by_status
    by_agent = client.get(f"/cases?agent={world.users['agent'].id}").text
    assert assigned.number in by_agent and waiting.number not in by_agent
    assert client.get(f"/cases?agent={world.users['other_agent'].id}").text.count("JZKFQ-") == 0


def test_manager_filters_by_stage_and_industry(client, world, login_as):
    building = world.case()
    planning_only = make_case(world.other_project, world.users["other_enterprise"], world.items[:1],
                              accept_by=world.users["manager"], agent=world.users["agent"])
    world.other_project.industry = Industry(name="光伏")
    db.session.commit()
    login_as(world.users["manager"])
    by_stage = client.get(f"/cases?stage={Stage.BUILDING.value}").text
    assert building.number in by_stage and planning_only.number not in by_stage
    by_industry = client.get(f"/cases?industry={world.other_project.industry_id}").text
    assert planning_only.number in by_industry and building.number not in by_industry


def test_manager_searches_enterprise_and_project_names_in_chinese(client, world, login_as):
    mine = world.case(accepted=False)
    theirs = make_case(world.other_project, world.users["other_enterprise"], world.items)
    db.session.commit()
    login_as(world.users["manager"])
    by_enterprise = client.get("/cases", query_string={"q": "绿碳"}).text
    assert mine.number in by_enterprise and theirs.number not in by_enterprise
    by_project = client.get("/cases", query_string={"q": "光伏电池"}).text
    assert theirs.number in by_project and mine.number not in by_project
    # LIKE wildcards in the search are taken literally.
    assert client.get("/cases", query_string={"q": "%"}).text.count("JZKFQ-") == 0


def test_unknown_filter_values_are_ignored(client, world, login_as):
    case = world.case()
    db.session.commit()
    login_as(world.users["manager"])
    response = client.get("/cases?status=bogus&stage=x&agent=abc&industry=99999")
    assert response.status_code == 200 and case.number in response.text


def test_pagination_keeps_the_filters(app, client, world, login_as):
    add_cases(world, app.config["PAGE_SIZE"] + 1)
    login_as(world.users["manager"])
    page = client.get("/cases", query_string={"q": "批量", "status": "in_progress"}).text
    assert "page=2" in page and "q=%E6%89%B9%E9%87%8F" in page and "status=in_progress" in page
    second = client.get("/cases", query_string={"q": "批量", "status": "in_progress", "page": 2}).text
    assert second.count("批量测试项目") == 1


@pytest.mark.parametrize("who", ["owner", "agent", "manager"])
def test_list_runs_a_fixed_number_of_queries(client, world, login_as, count_queries, who):
    add_cases(world, 5)
    login_as(world.users[who])
    few = fetch_queries(client, count_queries, "/cases")
    add_cases(world, 45, start=5)
    many = fetch_queries(client, count_queries, "/cases")
    assert many == few


@pytest.mark.parametrize("filters", ["status=in_progress&stage=land_planning&industry={industry}",
                                     "q=批量测试"])
def test_filtered_list_runs_a_fixed_number_of_queries(app, client, world, login_as, count_queries,
                                                      monkeypatch, filters):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 4)
    add_cases(world, 2)
    url = "/cases?" + filters.format(industry=world.project.industry_id)
    login_as(world.users["manager"])
    few = fetch_queries(client, count_queries, url)
    add_cases(world, 10, start=2)
    assert fetch_queries(client, count_queries, url) == few
    assert fetch_queries(client, count_queries, url + "&page=3") == few   # read from the end


# --- the case page ------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("owner", 200), ("other_enterprise", 404),
                                         ("agent", 200), ("other_agent", 404),
                                         ("manager", 200), ("other_manager", 404),
                                         ("other_center_agent", 404)])
def test_case_page_visibility(client, world, login_as, who, status):
    case = world.case()
    db.session.commit()
    login_as(world.users[who])
    assert client.get(f"/cases/{case.id}").status_code == status


def test_case_page_needs_login(client, world):
    case = world.case()
    db.session.commit()
    assert client.get(f"/cases/{case.id}").status_code == 302


def test_case_page_shows_header_stages_and_step_details(client, world, login_as):
    case = world.case()
    agent = world.users["agent"]
    filing = step_named(case, "项目备案")
    workflow.update_step(filing, agent, seen_version=None, action="start")
    workflow.update_step(filing, agent, seen_version=None, action="submit", acceptance_no="SL-001")
    workflow.update_step(filing, agent, seen_version=None, action="approve",
                         permit_no="晋中备〔2026〕18号", by_commitment=True)
    planning = step_named(case, "建设工程规划许可证")
    workflow.update_step(planning, agent, seen_version=None, action="start")
    workflow.update_step(planning, agent, seen_version=None, action="submit")
    workflow.update_step(planning, agent, seen_version=None, action="return",
                         correction_request="补充总平面图盖章件")
    db.session.commit()
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").text
    assert case.number in page and "办理中" in page and "刘代办" in page
    assert "山西转型综合改革示范区晋中开发区企业服务中心" in page
    assert '<ol class="stepper' in page and 'class="done"' in page and 'class="active"' in page
    assert "SL-001" in page and "晋中备〔2026〕18号" in page and "承诺制审批" in page
    assert "需企业补正" in page and "补充总平面图盖章件" in page
    assert "更新办理情况" not in page   # the enterprise does not update steps


def test_step_update_link_only_for_who_may_update(client, world, login_as):
    case = world.case()
    db.session.commit()
    step = case.steps[0]
    login_as(world.users["agent"])
    assert f'href="/cases/{case.id}/steps/{step.id}"' in client.get(f"/cases/{case.id}").text
    login_as(world.users["owner"])
    assert f"/cases/{case.id}/steps/{step.id}" not in client.get(f"/cases/{case.id}").text


def test_submitted_case_lists_the_requested_items(client, world, login_as):
    case = world.case(accepted=False)
    db.session.commit()
    login_as(world.users["manager"])
    page = client.get(f"/cases/{case.id}").text
    assert "申请代办的事项" in page and "施工许可证" in page and "待受理" in page


def test_declined_case_shows_the_reason(client, world, login_as):
    case = world.case(accepted=False)
    workflow.decline_case(case, world.users["manager"], "项目不在本园区")
    db.session.commit()
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").text
    assert "不予受理" in page and "项目不在本园区" in page


def test_internal_notes_are_hidden_from_the_enterprise(client, world, login_as):
    case = world.case()
    db.session.commit()
    login_as(world.users["agent"])
    client.post(f"/cases/{case.id}/messages", data={"body": "企业资金紧张需关注", "internal": "y"})
    client.post(f"/cases/{case.id}/messages", data={"body": "请补充营业执照副本"})
    staff_page = client.get(f"/cases/{case.id}").text
    assert staff_page.count("企业资金紧张需关注") == 2   # the message and its timeline entry
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").text
    assert "企业资金紧张需关注" not in page and "内部备注" not in page
    assert "请补充营业执照副本" in page


def test_timeline_shows_actor_action_and_statuses(client, world, login_as):
    case = world.case()
    db.session.commit()
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").text
    timeline = page[page.index('id="timeline"'):]
    assert "提交代办申请" in timeline and "受理" in timeline and "指派代办员" in timeline
    assert "王经理" in timeline and "待受理 → 已受理待指派" in timeline


def test_enterprise_withdraws_its_case(client, world, login_as):
    case = world.case()
    db.session.commit()
    login_as(world.users["owner"])
    assert "撤回代办申请" in client.get(f"/cases/{case.id}").text
    response = client.post(f"/cases/{case.id}/withdraw",
                           data={"reason": "项目暂缓", "version": case.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert case.status is CaseStatus.TERMINATED and case.reason == "项目暂缓"
    assert db.session.query(AuditEvent).filter_by(case_id=case.id, action="withdraw").count() == 1
    page = client.get(f"/cases/{case.id}").text
    assert "项目暂缓" in page and "撤回代办申请" not in page


def test_withdraw_needs_a_reason(client, world, login_as):
    case = world.case()
    db.session.commit()
    login_as(world.users["owner"])
    response = client.post(f"/cases/{case.id}/withdraw", data={"reason": " ", "version": case.version})
    assert response.status_code == 422 and "撤回须说明理由" in response.text
    db.session.expire_all()
    assert case.status is CaseStatus.IN_PROGRESS


def test_withdraw_with_a_stale_version_changes_nothing(client, world, login_as):
    case = world.case()
    db.session.commit()
    login_as(world.users["owner"])
    client.post(f"/cases/{case.id}/withdraw", data={"reason": "改期", "version": case.version - 1})
    db.session.expire_all()
    assert case.status is CaseStatus.IN_PROGRESS
    assert "已被他人修改" in client.get(f"/cases/{case.id}").text


@pytest.mark.parametrize("who, status", [("other_enterprise", 404), ("agent", 403),
                                         ("manager", 403)])
def test_only_the_owner_withdraws(client, world, login_as, who, status):
    case = world.case()
    db.session.commit()
    login_as(world.users[who])
    assert client.post(f"/cases/{case.id}/withdraw", data={"reason": "x"}).status_code == status
    db.session.expire_all()
    assert case.status is CaseStatus.IN_PROGRESS


def test_a_closed_case_cannot_be_withdrawn(client, world, login_as):
    case = world.case()
    workflow.withdraw_case(case, world.users["owner"], "改期")
    db.session.commit()
    login_as(world.users["owner"])
    assert client.post(f"/cases/{case.id}/withdraw", data={"reason": "再撤"}).status_code == 403


def _busy_case(world, items, messages, project):
    """A case with `messages` messages (half internal) and as many documents, one per step."""
    case = make_case(project, world.users["owner"], items, accept_by=world.users["manager"],
                     agent=world.users["agent"])
    for i in range(messages):
        db.session.add(Message(case_id=case.id, author_id=world.users["agent"].id,
                               body=f"第{i}条留言", internal=i % 2 == 0))
        step = case.steps[i % len(case.steps)]
        db.session.add(Document(case_id=case.id, step_id=step.id if i % 3 else None,
                                uploaded_by_id=world.users["owner"].id, filename=f"材料{i}.pdf",
                                content_type="application/pdf", size=5, sha256="0" * 64,
                                data=b"%PDF-"))
    for step in case.steps[:3]:
        workflow.update_step(step, world.users["agent"], seen_version=None, action="start")
    db.session.commit()
    return case


@pytest.mark.parametrize("who", ["owner", "agent", "manager"])
def test_case_page_runs_a_fixed_number_of_queries(client, world, login_as, count_queries, who):
    small = _busy_case(world, world.items, 1, world.project)
    extra = [make_item(world.centers[0], f"市政接入事项{i}", Stage.UTILITIES, sort=10 + i)
             for i in range(12)]
    other = make_project(world.enterprises[0], world.centers[0], "第二个项目")
    big = _busy_case(world, world.items + extra, 30, other)
    assert len(big.steps) == 15
    login_as(world.users[who])
    assert fetch_queries(client, count_queries, f"/cases/{small.id}") == \
        fetch_queries(client, count_queries, f"/cases/{big.id}")


def test_step_statuses_are_shown_with_badges(client, world, login_as):
    case = world.case()
    workflow.update_step(case.steps[0], world.users["agent"], seen_version=None, action="start")
    db.session.commit()
    assert case.steps[0].status is StepStatus.PREPARING
    login_as(world.users["manager"])
    page = client.get(f"/cases/{case.id}").text
    assert "材料准备中" in page and "未开始" in page
