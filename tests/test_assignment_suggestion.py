"""The suggested agent (present, same-industry experience, fewest open steps, name) and the
bulk re-assignment of an agent's open cases."""
import re
from datetime import date

import pytest

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import Absence, Assignment, AuditEvent, Case, CaseStatus, Role
from proxy_service.workflow import assignment
from proxy_service.workflow.workloads import agent_workloads

from .factories import make_case, make_industry, make_project, make_user


def _request(world, industry=None):
    """A new submitted request of the second enterprise (same center)."""
    if industry:
        world.other_project.industry = make_industry(industry)
    case = make_case(world.other_project, world.users["other_enterprise"], world.items)
    db.session.commit()
    return case


def _suggested(case):
    return assignment.suggest_agent(case, agent_workloads(case.center_id))


def _absent(world, who, start, end, substitute=None):
    db.session.add(Absence(center_id=world.centers[0].id, agent=world.users[who], start_on=start,
                           end_on=end, substitute=substitute and world.users[substitute]))
    db.session.commit()


def test_fewest_open_steps_when_nobody_handled_the_industry(world):
    world.case(agent="agent")                      # three open steps, another industry
    case = _request(world, "新材料")
    assert _suggested(case) == world.users["other_agent"]


def test_same_industry_experience_beats_fewer_open_steps(world):
    world.case(agent="agent")                      # the same industry as the new request
    case = _request(world)
    assert _suggested(case) == world.users["agent"]


def test_absent_agent_is_skipped_only_while_absent(world, frozen_clock):
    frozen_clock(2025, 6, 11)
    world.case(agent="agent")
    _absent(world, "agent", date(2025, 6, 9), date(2025, 6, 13))
    case = _request(world)
    assert _suggested(case) == world.users["other_agent"]
    frozen_clock(2025, 6, 16)                      # back at work
    assert _suggested(case) == world.users["agent"]


def test_ties_are_broken_by_name(world):
    case = _request(world)
    world.users["agent"].name, world.users["other_agent"].name = "Bob", "Alice"
    db.session.commit()
    assert _suggested(case) == world.users["other_agent"]
    world.users["agent"].name = "Aaron"
    db.session.commit()
    assert _suggested(case) == world.users["agent"]


def test_terminated_cases_are_no_experience(world, login_as):
    old = world.case(agent="agent")
    workflow.terminate_case(old, world.users["manager"], "项目取消")
    world.users["agent"].name, world.users["other_agent"].name = "Zed", "Amy"
    db.session.commit()
    assert _suggested(_request(world)) == world.users["other_agent"]


def test_reassignment_suggests_someone_else(world):
    case = world.case(agent="agent")
    assert _suggested(case) == world.users["other_agent"]


def test_nobody_present_means_no_suggestion(world, frozen_clock):
    frozen_clock(2025, 6, 11)
    for who in ("agent", "other_agent"):
        _absent(world, who, date(2025, 6, 1), date(2025, 6, 30))
    assert _suggested(_request(world)) is None


def _selected_agent(html, action):
    form = re.search(rf'action="/cases/\d+/{action}".*?</form>', html, re.S).group(0)
    match = re.search(r'<option selected value="(\d+)"', form)
    return int(match.group(1)) if match else None


def test_accept_form_preselects_the_suggestion_and_the_manager_may_override(client, world,
                                                                           login_as):
    world.case(agent="agent")
    case = _request(world, "新材料")
    login_as(world.users["manager"])
    html = client.get(f"/cases/{case.id}").text
    assert _selected_agent(html, "accept") == world.users["other_agent"].id
    assert "· 推荐" in html and "· 办过同行业项目" not in html
    response = client.post(f"/cases/{case.id}/accept", data={
        "agent_id": world.users["agent"].id, "version": case.version})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.agent == world.users["agent"]


def test_absent_agents_are_marked_in_the_choices(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 11)
    _absent(world, "agent", date(2025, 6, 9), date(2025, 6, 13))
    case = _request(world)
    login_as(world.users["manager"])
    html = client.get(f"/cases/{case.id}").text
    assert re.search(r"刘代办（[^<]*· 休假中", html)
    assert _selected_agent(html, "accept") == world.users["other_agent"].id


def test_the_suggestion_costs_a_fixed_number_of_queries(world, count_queries, frozen_clock):
    frozen_clock(2025, 6, 11)
    case = _request(world)
    workloads = agent_workloads(case.center_id)
    with count_queries() as few:
        assignment.suggest(case, workloads)
    for n in range(6):
        agent = make_user(f"extra{n}", Role.AGENT, center=world.centers[0], name=f"代办{n}")
        db.session.add(Absence(center_id=agent.center_id, agent=agent,
                               start_on=date(2025, 6, 1), end_on=date(2025, 6, 30)))
    db.session.commit()
    workloads = agent_workloads(case.center_id)
    with count_queries() as many:
        assignment.suggest(case, workloads)
    assert few.count == many.count == 2


# --- bulk re-assignment ------------------------------------------------------------

@pytest.fixture
def departing(world):
    """agent: two open cases (one suspended), one completed and one terminated."""
    manager, owner, center = world.users["manager"], world.users["owner"], world.centers[0]
    projects = [world.project] + [make_project(world.enterprises[0], center, f"项目{n}")
                                  for n in range(3)]
    cases = [make_case(p, owner, world.items, accept_by=manager, agent=world.users["agent"])
             for p in projects]
    workflow.suspend_case(cases[1], manager, "等待企业补充材料")
    for step in cases[2].steps:
        workflow.update_step(step, world.users["agent"], seen_version=step.version,
                             action="skip", not_required_reason="无需办理")
    workflow.terminate_case(cases[3], manager, "项目取消")
    db.session.commit()
    assert [c.status for c in cases] == [CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED,
                                         CaseStatus.COMPLETED, CaseStatus.TERMINATED]
    return cases


def test_bulk_reassignment_moves_every_open_case_with_one_event_each(client, world, login_as,
                                                                     departing):
    agent, target = world.users["agent"], world.users["other_agent"]
    agent.active = False                           # already left: still listed as a source
    db.session.commit()
    login_as(world.users["manager"])
    assert agent.name in client.get("/quality/reassign").text
    data = {"from_agent_id": agent.id, "to_agent_id": target.id, "reason": "刘代办离职"}
    confirmation = client.post("/quality/reassign", data=data)      # names what the move does
    assert confirmation.status_code == 200
    expected = re.search(r'name="expected" value="([^"]+)"', confirmation.text).group(1)
    response = client.post("/quality/reassign", data={**data, "confirmed": "1",
                                                      "expected": expected})
    assert response.status_code == 302
    for case in departing:
        db.session.refresh(case)
    assert [c.agent for c in departing] == [target, target, agent, agent]
    events = db.session.query(AuditEvent).filter_by(action="reassign").all()
    assert sorted(e.case_id for e in events) == sorted(c.id for c in departing[:2])
    assert all("刘代办离职" in e.comment and e.actor == world.users["manager"] for e in events)
    assert db.session.query(Assignment).filter_by(agent_id=target.id).count() == 2


def test_bulk_reassignment_needs_a_reason_and_two_different_agents(client, world, login_as,
                                                                   departing):
    agent = world.users["agent"]
    login_as(world.users["manager"])
    for data in ({"to_agent_id": world.users["other_agent"].id, "reason": ""},
                 {"to_agent_id": agent.id, "reason": "x"}):
        response = client.post("/quality/reassign", data={"from_agent_id": agent.id, **data})
        assert response.status_code == 422
    assert db.session.query(AuditEvent).filter_by(action="reassign").count() == 0
    with pytest.raises(assignment.AssignmentError):
        assignment.bulk_reassign(agent, world.users["other_agent"], world.users["manager"], " ")


def test_bulk_reassignment_preview_lists_the_open_cases(client, world, login_as, departing):
    login_as(world.users["manager"])
    html = client.get(f"/quality/reassign?from_agent_id={world.users['agent'].id}").text
    assert departing[0].number in html and departing[1].number in html
    assert departing[2].number not in html


@pytest.mark.parametrize("who, status", [("agent", 403), ("owner", 403)])
def test_bulk_reassignment_is_for_managers(client, world, login_as, who, status):
    login_as(world.users[who])
    assert client.get("/quality/reassign").status_code == status
    assert client.post("/quality/reassign", data={}).status_code == status


def test_bulk_reassignment_reaches_only_the_own_center(client, world, login_as, departing):
    login_as(world.users["other_manager"])
    response = client.post("/quality/reassign", data={
        "from_agent_id": world.users["agent"].id,
        "to_agent_id": world.users["other_center_agent"].id, "reason": "x"})
    assert response.status_code == 422
    assert all(c.agent == world.users["agent"] for c in db.session.query(Case))
