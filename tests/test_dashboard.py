"""Staff start pages: the agent's inbox, the manager's request queue and the workload table."""
import re
from datetime import date

import pytest

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.dashboard import views
from proxy_service.models import Role

from . import factories


def new_case(world, n, *, agent="agent", accepted=True, enterprise=0, distinct=False):
    """A case on a fresh project of an enterprise of the first center.

    `distinct`: its own enterprise and approval item, so that a page of many cases
    shares no related rows (an N+1 query would show in the count).
    """
    center = world.centers[0]
    owner = factories.make_enterprise(center, f"企业{n:03d}") if distinct else world.enterprises[enterprise]
    items = [factories.make_item(center, f"事项{n:03d}")] if distinct else world.items
    project = factories.make_project(owner, center, f"项目{n:03d}")
    return factories.make_case(project, world.users["owner"], items,
                               accept_by=world.users["manager"] if accepted else None,
                               agent=world.users[agent] if accepted and agent else None)


def move(step, actor, *actions, **details):
    for action in actions:
        workflow.update_step(step, actor, seen_version=step.version, action=action,
                             **(details if action == actions[-1] else {}))


def step_links(html):
    return [int(s) for s in re.findall(r'href="/cases/\d+/steps/(\d+)"', html)]


# --- access ------------------------------------------------------------------

@pytest.mark.parametrize("url, allowed", [("/inbox", "agent"), ("/manage/requests", "manager"),
                                          ("/manage/workload", "manager")])
@pytest.mark.parametrize("who", ["owner", "agent", "manager"])
def test_staff_pages_are_for_their_role(client, world, login_as, url, allowed, who):
    login_as(world.users[who])
    assert client.get(url).status_code == (200 if who == allowed else 403)


@pytest.mark.parametrize("url", ["/inbox", "/manage/requests", "/manage/workload"])
def test_anonymous_users_are_sent_to_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- inbox -------------------------------------------------------------------

def test_inbox_orders_steps_by_urgency(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 16)
    agent = world.users["agent"]
    first, second = new_case(world, 1), new_case(world, 2)
    filing, planning, building = first.steps
    move(filing, agent, "start", "submit", submitted_on=date(2025, 6, 10))
    move(planning, agent, "start", "submit", submitted_on=date(2025, 6, 5))
    filing2, planning2, building2 = second.steps
    move(filing2, agent, "start", "submit")
    move(filing2, agent, "return", correction_request="补充营业执照副本")
    move(planning2, agent, "start")
    db.session.commit()
    login_as(agent)
    html = client.get("/inbox").text
    # Both filed steps are overdue (red); the one due first (项目备案, 1 working day) leads.
    assert step_links(html) == [filing.id, planning.id, planning2.id, building.id, building2.id,
                                filing2.id]
    assert f'href="/cases/{first.id}"' in html and first.number in html
    assert "退回补正" in html and "2025-06-05" in html and first.project.name in html


def test_inbox_shows_only_the_agents_open_cases_and_actionable_steps(client, world, login_as):
    mine, suspended = new_case(world, 1), new_case(world, 2)
    theirs = new_case(world, 3, agent="other_agent")
    finished = new_case(world, 4)
    workflow.suspend_case(suspended, world.users["manager"], "企业暂缓建设")
    workflow.terminate_case(finished, world.users["manager"], "项目取消")
    db.session.commit()
    login_as(world.users["agent"])
    html = client.get("/inbox").text
    assert set(step_links(html)) == {step.id for step in mine.steps}
    assert mine.number in html and suspended.number in html and "已中止" in html
    assert theirs.number not in html and finished.number not in html


def test_inbox_query_count_does_not_grow(client, world, login_as, count_queries):
    for n in range(5):
        new_case(world, n, distinct=True)
    db.session.commit()
    login_as(world.users["agent"])
    db.session.expire_all()   # both counts start from the same (cold) session
    with count_queries() as few:
        assert client.get("/inbox").status_code == 200
    for n in range(5, 50):
        new_case(world, n, distinct=True)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        html = client.get("/inbox").text
    assert len(step_links(html)) == 20 and "共 50 条" in html
    assert many.count == few.count


def test_inbox_runs_the_same_statements_with_no_step_to_handle(client, world, login_as,
                                                              count_queries):
    """An agent whose cases have no step to handle yet (the benchmark's agent at 1,000 cases)
    runs the statements of one with a full page: none is skipped for an empty page."""
    login_as(world.users["agent"])
    new_case(world, 0, accepted=False)   # submitted: not the agent's yet, no step listed
    db.session.commit()
    db.session.expire_all()
    with count_queries() as empty:
        assert step_links(client.get("/inbox").text) == []
    for n in range(1, 4):
        new_case(world, n, distinct=True)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as full:
        assert len(step_links(client.get("/inbox").text)) > 0
    assert full.count == empty.count


# --- request queue -------------------------------------------------------------

def test_request_queue_lists_new_requests_oldest_first(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 2)
    older = new_case(world, 1, accepted=False)
    frozen_clock(2025, 6, 3)
    newer = new_case(world, 2, accepted=False, enterprise=1)
    world.enterprises[1].uscc_check_failed = True
    running = new_case(world, 3)
    db.session.commit()
    login_as(world.users["manager"])
    html = client.get("/manage/requests").text
    assert html.index(older.number) < html.index(newer.number)
    assert running.number not in html
    assert f'href="/cases/{older.id}"' in html and "校验位未通过" in html
    assert "已核验" in html and "2025-06-02" in html
    assert 'data-label="申请事项数">3<' in html


def test_request_queue_has_accepted_cases_waiting_for_an_agent(client, world, login_as):
    waiting = new_case(world, 1, agent=None)
    assigned = new_case(world, 2)
    fresh = new_case(world, 3, accepted=False)
    db.session.commit()
    login_as(world.users["manager"])
    html = client.get("/manage/requests?tab=unassigned").text
    assert waiting.number in html and assigned.number not in html and fresh.number not in html
    assert "已受理待指派" in html


def test_request_queue_is_scoped_to_the_center(client, world, login_as):
    case = new_case(world, 1, accepted=False)
    db.session.commit()
    login_as(world.users["other_manager"])
    assert case.number not in client.get("/manage/requests").text


def test_request_queue_query_count_does_not_grow(client, world, login_as, count_queries):
    for n in range(5):
        new_case(world, n, accepted=False, distinct=True)
    db.session.commit()
    login_as(world.users["manager"])
    db.session.expire_all()   # both counts start from the same (cold) session
    with count_queries() as few:
        assert client.get("/manage/requests").status_code == 200
    for n in range(5, 50):
        new_case(world, n, accepted=False, distinct=True)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        assert "共 50 条" in client.get("/manage/requests").text
    assert many.count == few.count


# --- workload ------------------------------------------------------------------

def workload_rows(html):
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        numbers = [int(n) for n in re.findall(r">(\d+)</a>", row)]
        name = re.search(r'data-label="代办员">([^<]+?) <small', row)
        if name:
            rows[name.group(1)] = numbers
    return rows


def test_workload_counts_match_a_hand_built_data_set(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 30)
    agent, colleague, manager = world.users["agent"], world.users["other_agent"], world.users["manager"]
    busy = new_case(world, 1)                       # agent: 1 open step after two approvals
    filing, planning, _ = busy.steps
    move(filing, agent, "start", "submit", submitted_on=date(2025, 6, 18))
    move(filing, agent, "approve", permit_no="备2025-001", approved_on=date(2025, 6, 20))
    move(planning, agent, "start", "submit", submitted_on=date(2025, 4, 25))
    move(planning, agent, "approve", permit_no="建规2025-9",
         approved_on=date(2025, 5, 1))              # older than 30 days: not counted
    paused = new_case(world, 2)                     # agent: suspended still counts as open
    workflow.suspend_case(paused, manager, "企业资金未到位")
    ended = new_case(world, 3, agent="other_agent")  # colleague: approved one, then ended
    move(ended.steps[0], colleague, "start", "submit", submitted_on=date(2025, 6, 24))
    move(ended.steps[0], colleague, "approve", permit_no="备2025-002", approved_on=date(2025, 6, 25))
    workflow.terminate_case(ended, manager, "项目取消")
    retired = factories.make_user("agent3", Role.AGENT, center=world.centers[0], name="退休代办")
    retired.active = False
    db.session.commit()
    login_as(manager)
    html = client.get("/manage/workload").text
    assert workload_rows(html) == {"刘代办": [2, 4, 1], "陈代办": [0, 0, 1]}
    assert f"/cases?agent={agent.id}&amp;status=in_progress" in html
    assert "杨代办" not in html and "退休代办" not in html


def test_workload_query_count_does_not_grow(client, world, login_as, count_queries):
    def add(start, stop):
        for n in range(start, stop):
            agent = factories.make_user(f"extra{n:02d}", Role.AGENT, center=world.centers[0])
            world.users[f"extra{n:02d}"] = agent
            new_case(world, n, agent=f"extra{n:02d}", distinct=True)
        db.session.commit()
    add(0, 3)                                  # with agent1 and agent2: 5 agents
    login_as(world.users["manager"])
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/manage/workload").status_code == 200
    add(3, 48)                                 # 50 agents
    db.session.expire_all()
    with count_queries() as many:
        assert len(workload_rows(client.get("/manage/workload").text)) == 50
    assert many.count == few.count


def test_inbox_lists_the_most_urgent_open_cases_and_links_to_the_rest(client, world, login_as,
                                                                      monkeypatch):
    monkeypatch.setattr(views, "INBOX_CASES", 2)
    cases = [new_case(world, n) for n in range(3)]
    db.session.commit()
    login_as(world.users["agent"])
    html = client.get("/inbox").text
    listed = html[html.index('id="cases-heading"'):]   # below the steps, which name all three
    assert sum(case.number in listed for case in cases) == 2
    assert "我负责的进行中案件（3）" in listed and 'href="/cases?sort=light"' in listed
