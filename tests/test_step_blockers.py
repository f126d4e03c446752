"""A step that cannot move says why (issue 14, item 8): step_rules.blockers names what holds a
step's actions back and what ends the wait; the step page shows it with links, the agent's
inbox shows the step as waiting instead of offering 办理, and the workflow refuses what is held."""
import re

import pytest
from sqlalchemy import select

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import Stage, StepStatus
from proxy_service.workflow import step_rules, supplements

from .factories import make_case, make_item, make_project, sign_and_seal
from .test_step_updates import step_named


def page_url(step):
    return f"/cases/{step.case_id}/steps/{step.id}"


def start(step, actor):
    workflow.update_step(step, actor, seen_version=step.version, action="start")


def offered_actions(html):
    return re.findall(r'name="action"[^>]*value="([^"]*)"', html)


def inbox_row(html, item_name):
    """The inbox table row of the step named `item_name`."""
    rows = re.findall(r"<tr>.*?</tr>", html, flags=re.S)
    return next(row for row in rows if f">{item_name}</td>" in row)


@pytest.fixture
def supplement(world, case):
    """通信接入 added after sealing: its 续办委托书 waits for the enterprise's signature."""
    item = make_item(world.centers[0], "通信接入", Stage.UTILITIES, sort=9)
    agreement = supplements.add_items(case, world.users["manager"], [item])
    db.session.commit()
    return agreement


# --- the rules ------------------------------------------------------------------------------

def test_an_unsigned_supplement_holds_every_action_and_names_its_agreement(world, case, supplement):
    step = step_named(case, "通信接入")
    (blocker,) = step_rules.blockers(step)
    assert blocker.holds_everything and "尚待企业签署" in str(blocker.reason)
    assert [(link.endpoint, dict(link.values)) for link in blocker.links] == [
        ("agreements.detail", {"agreement_id": supplement.id})]
    assert supplement.number in str(blocker.links[0].label)
    assert workflow.step_actions(step) == [] and workflow.step_waits_on(step) == blocker
    sign_and_seal(case, world.users["owner"], world.users["manager"], supplement)
    assert step_rules.blockers(step) == () and workflow.step_actions(step) == ["start", "skip"]


def test_unapproved_prerequisites_hold_back_filing_only(world, case):
    agent = world.users["agent"]
    building, planning = step_named(case, "施工许可证"), step_named(case, "建设工程规划许可证")
    (blocker,) = step_rules.blockers(building)
    assert blocker.holds == {"submit"} and "建设工程规划许可证" in str(blocker.reason)
    assert [dict(link.values) for link in blocker.links] == [
        {"case_id": case.id, "step_id": planning.id}]
    # Not started: it may start (materials are gathered meanwhile), so it is not waiting yet.
    assert workflow.step_actions(building) == ["start", "skip"]
    assert workflow.step_waits_on(building) is None
    start(building, agent)
    assert workflow.step_actions(building) == ["skip"]
    assert workflow.step_waits_on(building) == blocker
    with pytest.raises(workflow.TransitionError, match="前置事项尚未批准：建设工程规划许可证"):
        workflow.update_step(building, agent, seen_version=building.version, action="submit")
    for action, extra in (("start", {}), ("submit", {}), ("approve", {"permit_no": "建字001"})):
        workflow.update_step(planning, agent, seen_version=planning.version, action=action, **extra)
    assert step_rules.blockers(building) == () and workflow.step_actions(building) == [
        "submit", "skip"]


def test_a_suspended_case_holds_every_open_step_until_it_resumes(world, case):
    agent = world.users["agent"]
    filing, planning = step_named(case, "项目备案"), step_named(case, "建设工程规划许可证")
    for action, extra in (("start", {}), ("submit", {}), ("approve", {"permit_no": "备案001"})):
        workflow.update_step(filing, agent, seen_version=filing.version, action=action, **extra)
    workflow.suspend_case(case, world.users["manager"], "企业暂缓建设")
    (blocker,) = step_rules.blockers(planning)
    assert blocker.holds_everything and "案件已中止" in str(blocker.reason)
    assert [(link.endpoint, dict(link.values)) for link in blocker.links] == [
        ("cases.detail", {"case_id": case.id})]
    assert step_rules.blockers(filing) == ()      # approved: it waits for nothing
    workflow.resume_case(case, world.users["manager"])
    assert step_rules.blockers(planning) == ()


def test_blockers_change_nothing(world, case, supplement):
    step = step_named(case, "通信接入")
    versions = (step.version, case.version, supplement.version)
    step_rules.blockers(step)
    assert not db.session.dirty and not db.session.new
    assert (step.version, case.version, supplement.version) == versions


# --- the step page ----------------------------------------------------------------------------

def test_the_step_page_says_the_supplement_waits_for_the_enterprise(client, world, login_as, case,
                                                                    supplement):
    login_as(world.users["agent"])
    html = client.get(page_url(step_named(case, "通信接入"))).text
    assert "该事项暂不能办理" in html
    assert "《代办服务续办委托书》尚待企业签署。" in html and "企业签署、服务中心会签" in html
    assert f'href="/agreements/{supplement.id}"' in html and supplement.number in html
    assert offered_actions(html) == [""]          # information only, and the page says why


def test_the_step_page_names_the_prerequisites_it_waits_for(client, world, login_as, case):
    agent = login_as(world.users["agent"])
    building, planning = step_named(case, "施工许可证"), step_named(case, "建设工程规划许可证")
    start(building, world.users["agent"])
    db.session.commit()
    html = agent.get(page_url(building)).text
    assert "部分办理操作暂不可用" in html and "前置事项尚未批准：建设工程规划许可证" in html
    assert f'href="{page_url(planning)}"' in html and "建设工程规划许可证（未开始）" in html
    assert offered_actions(html) == ["", "skip"]  # no 报送 that could only fail


def test_the_step_page_of_a_suspended_case_says_so_without_a_form(client, world, login_as, case):
    workflow.suspend_case(case, world.users["manager"], "企业暂缓建设")
    db.session.commit()
    login_as(world.users["agent"])
    response = client.get(page_url(step_named(case, "项目备案")))
    assert response.status_code == 200
    # Read-only: since when and why, and that handling resumes with the case (issue 15 item 7).
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))
    assert "中止原因：企业暂缓建设" in page and "案件恢复办理后，本事项继续办理" in page
    assert f'href="/cases/{case.id}"' in response.text
    assert 'name="action"' not in response.text


def test_a_step_free_to_move_shows_no_wait(client, world, login_as, case):
    login_as(world.users["agent"])
    html = client.get(page_url(step_named(case, "项目备案"))).text
    assert 'id="step-blockers"' not in html and offered_actions(html) == ["", "start", "skip"]


# --- the inbox --------------------------------------------------------------------------------

def test_the_inbox_shows_a_step_waiting_for_its_supplement_without_a_handle_button(
        client, world, login_as, case, supplement):
    login_as(world.users["agent"])
    html = client.get("/inbox").text
    waiting = inbox_row(html, "通信接入")
    step = step_named(case, "通信接入")
    assert "等待中" in waiting and "尚待企业签署" in waiting
    assert f'href="/agreements/{supplement.id}"' in waiting
    assert page_url(step) not in waiting and ">办理<" not in waiting
    free = inbox_row(html, "项目备案")
    assert ">办理<" in free and "等待中" not in free


def test_the_inbox_shows_a_step_waiting_for_its_prerequisites(client, world, login_as, case):
    building, planning = step_named(case, "施工许可证"), step_named(case, "建设工程规划许可证")
    start(building, world.users["agent"])
    db.session.commit()
    login_as(world.users["agent"])
    waiting = inbox_row(client.get("/inbox").text, "施工许可证")
    assert "前置事项尚未批准：建设工程规划许可证" in waiting and ">办理<" not in waiting
    assert f'href="{page_url(planning)}"' in waiting and page_url(building) not in waiting


def test_the_inbox_query_count_does_not_grow_with_waiting_steps(client, world, login_as,
                                                                count_queries):
    """Each case has its own items, one a prerequisite of the other, and a step started and
    waiting for it: what a step waits on is read without a query per step."""
    agent, center = world.users["agent"], world.centers[0]

    def add_cases(numbers):
        for n in numbers:
            first = make_item(center, f"前置事项{n}")
            then = make_item(center, f"后续事项{n}", prerequisites=[first])
            project = make_project(world.enterprises[0], center, f"项目{n}")
            case = make_case(project, world.users["owner"], [first, then],
                             accept_by=world.users["manager"], agent=agent)
            start(step_named(case, then.name), agent)
        db.session.commit()
        db.session.expire_all()   # both counts start from the same (cold) session

    login_as(agent)
    add_cases(range(3))
    with count_queries() as few:
        html = client.get("/inbox").text
    assert html.count("等待中") == 3
    add_cases(range(3, 12))
    with count_queries() as many:
        html = client.get("/inbox").text
    assert html.count("等待中") == 12
    assert many.count == few.count


def test_no_step_moves_while_something_holds_it(world, case, supplement):
    step = step_named(case, "通信接入")
    with pytest.raises(workflow.TransitionError, match="尚待企业签署"):
        start(step, world.users["agent"])
    db.session.rollback()
    assert db.session.scalar(select(type(step).status).where(type(step).id == step.id)) \
        is StepStatus.PENDING
