"""Cases and steps through /api/v1: scoped as the pages are (out of reach is 404), keyset
pages that neither skip nor repeat a case while cases change, and step updates through the
same workflow verb as the step page, guarded by If-Match and audited with the token's name."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from config import TestingConfig
from proxy_service import create_app, workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Case, CaseStatus, StepStatus

from .api_helpers import assert_problem, bearer, make_token
from .factories import make_case, make_enterprise, make_project


def _step_url(case, step=None):
    return f"/api/v1/cases/{case.id}/steps/{(step or case.steps[0]).id}"


# --- reading -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["owner", "manager", "agent"])
def test_those_who_see_the_case_on_the_pages_read_it(client, world, who):
    case = world.case()
    secret = make_token(world.users[who])
    listed = client.get("/api/v1/cases", headers=bearer(secret)).get_json()
    assert [item["id"] for item in listed["items"]] == [case.id] and listed["next"] is None
    detail = client.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).get_json()
    assert detail["status"] == "in_progress" and detail["agent"]["name"] == "刘代办"
    assert [step["item"]["name"] for step in detail["steps"]] == [
        "项目备案", "建设工程规划许可证", "施工许可证"]
    assert detail["agreements"][0]["state"] == "sealed" and detail["light"] == "none"
    assert detail["steps"][0]["actions"] == ["start", "skip"]
    step = client.get(_step_url(case), headers=bearer(secret))
    assert step.headers["ETag"] == f'"{case.steps[0].version}"'
    assert step.get_json()["status"] == "pending"


def test_the_list_filters_by_status_and_update_time(client, world, frozen_clock):
    frozen_clock(2026, 3, 2)
    running = world.case()
    frozen_clock(2026, 3, 5)
    waiting = make_case(world.other_project, world.users["other_enterprise"], world.items)
    db.session.commit()
    secret = make_token(world.users["manager"])
    def ids(query):
        response = client.get(f"/api/v1/cases?{query}", headers=bearer(secret))
        return [item["id"] for item in response.get_json()["items"]]
    assert ids("status=in_progress") == [running.id]
    assert ids("status=submitted") == [waiting.id]
    assert ids("updated_since=2026-03-04T00:00:00%2B08:00") == [waiting.id]
    assert ids("") == [running.id, waiting.id]


def test_pages_neither_skip_nor_repeat_while_cases_change(client, world, frozen_clock):
    """Walking the list two at a time while a case already read and one not yet read are
    updated: every case comes at least once, none read earlier is lost, the order holds."""
    frozen_clock(2026, 3, 2)
    cases = [world.case()]
    for number in range(5):   # more enterprises, one case each (one open case a project)
        enterprise = make_enterprise(world.centers[0], f"企业{number}", f"91140700MA0K12{number}4X0")
        project = make_project(enterprise, world.centers[0], f"项目{number}")
        clock.freeze(clock.now() + timedelta(minutes=1))
        cases.append(make_case(project, world.users["owner"], world.items))
    db.session.commit()
    secret = make_token(world.users["manager"])
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/cases?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=bearer(secret)).get_json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        if pages == 1:   # a case already read and one not yet read change meanwhile
            clock.freeze(clock.now() + timedelta(hours=1))
            for case in (cases[0], cases[4]):
                workflow.post_message(case, world.users["owner"], "更新")
            db.session.commit()
        cursor = page["next"]
        if cursor is None:
            break
    assert set(seen) == {case.id for case in cases}
    assert seen[:2] == [cases[0].id, cases[1].id] and seen[-2:] == [cases[0].id, cases[4].id]
    assert len(seen) == 7   # the updated case read before comes again, once, at the end


def test_a_step_update_brings_its_case_back_to_pollers(client, world, frozen_clock):
    """updated_since follows changed_at: a step updated through the API (the case row left
    as it was) lists its case again, with its revision advanced and its version kept."""
    frozen_clock(2026, 3, 2)
    followed = world.case()
    quiet = make_case(world.other_project, world.users["other_enterprise"], world.items)
    db.session.commit()
    reader, agent = make_token(world.users["manager"]), make_token(world.users["agent"])
    def listed(query=""):
        return client.get(f"/api/v1/cases?{query}", headers=bearer(reader)).get_json()["items"]
    before = {item["id"]: item for item in listed()}
    since = max(item["changed_at"] for item in before.values()).replace("+", "%2B")
    assert listed(f"updated_since={since}") == []
    frozen_clock(2026, 3, 3)
    assert _patch(client, followed, agent, {"action": "start"}).status_code == 200
    [item] = listed(f"updated_since={since}")
    was = before[followed.id]
    assert item["id"] == followed.id and item["revision"] > was["revision"]
    assert item["version"] == was["version"] and item["updated_at"] == was["updated_at"]
    assert item["changed_at"] > was["changed_at"] and quiet.id in before


def test_pages_neither_skip_nor_repeat_while_steps_change(client, world, frozen_clock):
    """The walk of the test above, the changes made to the cases' steps: a case whose step
    moved comes again at the end, once; none is skipped."""
    frozen_clock(2026, 3, 2)
    cases = [world.case()]
    for number in range(3):
        clock.freeze(clock.now() + timedelta(minutes=1))
        enterprise = make_enterprise(world.centers[0], f"企业{number}", f"91140700MA0K12{number}4X0")
        cases.append(make_case(make_project(enterprise, world.centers[0], f"项目{number}"),
                               world.users["owner"], world.items, accept_by=world.users["manager"],
                               agent=world.users["agent"]))
    db.session.commit()
    secret = make_token(world.users["manager"])
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/cases?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=bearer(secret)).get_json()
        if not seen:    # a step of a case already read, and of one not yet read, moves
            clock.freeze(clock.now() + timedelta(hours=1))
            for case in (cases[0], cases[3]):
                workflow.update_step(case.steps[0], world.users["agent"],
                                     seen_version=case.steps[0].version, action="start")
            db.session.commit()
        seen += [item["id"] for item in page["items"]]
        if (cursor := page["next"]) is None:
            break
    assert seen == [cases[0].id, cases[1].id, cases[2].id, cases[0].id, cases[3].id]


def test_a_cursor_not_made_by_the_api_is_a_field_error(client, world):
    secret = make_token(world.users["manager"])
    body = assert_problem(client.get("/api/v1/cases?cursor=bm9wZQ", headers=bearer(secret)), 422)
    assert list(body["errors"]) == ["cursor"]


@pytest.mark.parametrize("cursor", ["0-0", "9999999999999999-9999999999"])
def test_every_cursor_the_contract_allows_is_read(client, world, cursor):
    """The contract states the cursor's form: any cursor of that form is a page (here the
    first of all, and one past every case), never a refusal."""
    case = world.case()
    secret = make_token(world.users["manager"])
    page = client.get(f"/api/v1/cases?cursor={cursor}", headers=bearer(secret))
    assert page.status_code == 200
    assert [item["id"] for item in page.get_json()["items"]] == ([case.id] if cursor == "0-0" else [])


# --- tenancy ------------------------------------------------------------------------------------

OUTSIDERS = ("other_enterprise", "other_manager", "other_center_agent", "other_agent")


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_on_every_route_with_an_id(client, world, who):
    case = world.case()
    secret = make_token(world.users[who])
    headers = bearer(secret, **{"If-Match": f'"{case.steps[0].version}"'})
    for method, url in (("GET", f"/api/v1/cases/{case.id}"), ("GET", _step_url(case)),
                        ("PATCH", _step_url(case))):
        response = client.open(url, method=method, headers=headers, json={"action": "start"})
        assert_problem(response, 404)
    assert client.get("/api/v1/cases", headers=bearer(secret)).get_json()["items"] == []
    assert db.session.get(Case, case.id).steps[0].status is StepStatus.PENDING


def test_a_step_of_another_case_is_404(client, world):
    case = world.case()
    other = make_case(world.other_project, world.users["other_enterprise"], world.items,
                      accept_by=world.users["manager"], agent=world.users["agent"])
    db.session.commit()
    secret = make_token(world.users["manager"])
    assert_problem(client.get(f"/api/v1/cases/{case.id}/steps/{other.steps[0].id}",
                              headers=bearer(secret)), 404)


# --- updating a step ---------------------------------------------------------------------------

def _patch(client, case, secret, body, version=None, step=None):
    step = step or case.steps[0]
    headers = bearer(secret)
    if version is not False:
        headers["If-Match"] = f'"{step.version if version is None else version}"'
    return client.patch(_step_url(case, step), headers=headers, json=body)


def test_a_step_update_goes_through_the_workflow_and_is_audited_with_the_token(client, world):
    case = world.case()
    secret = make_token(world.users["agent"], name="ERP同步")
    step = case.steps[0]
    before = step.version
    response = _patch(client, case, secret, {"action": "start", "note": "材料已齐"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "preparing"
    db.session.refresh(step)
    assert step.status is StepStatus.PREPARING and step.version > before
    assert response.headers["ETag"] == f'"{step.version}"'
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "start")).one()
    assert event.actor_id == world.users["agent"].id
    assert event.comment == "（经接口令牌“ERP同步”）材料已齐"


def test_if_match_is_required_and_must_be_current(client, world):
    case = world.case()
    secret = make_token(world.users["agent"])
    assert_problem(_patch(client, case, secret, {"action": "start"}, version=False), 428)
    stale = case.steps[0].version - 1
    assert_problem(_patch(client, case, secret, {"action": "start"}, version=stale), 412)
    for not_a_tag in ("*", "4", "]Nj", '"4'):   # the contract: entity tags, never "*"
        response = client.patch(_step_url(case), json={"action": "start"},
                                headers=bearer(secret, **{"If-Match": not_a_tag}))
        assert_problem(response, 428)
    assert db.session.get(Case, case.id).steps[0].status is StepStatus.PENDING


def test_a_move_the_step_does_not_allow_is_422(client, world):
    case = world.case()
    secret = make_token(world.users["agent"])
    body = assert_problem(_patch(client, case, secret, {"action": "approve"}), 422)
    assert body["detail"]
    skip = assert_problem(_patch(client, case, secret, {"action": "skip"}), 422)
    assert "原因" in skip["detail"]


def test_an_impossible_date_is_a_field_error(client, world, frozen_clock):
    frozen_clock(2026, 3, 2)
    case = world.case()
    secret = make_token(world.users["agent"])
    step = case.steps[0]
    assert _patch(client, case, secret, {"action": "start"}).status_code == 200
    db.session.refresh(step)
    body = assert_problem(_patch(client, case, secret, {
        "action": "submit", "submitted_on": "2026-03-09"}, step=step), 422)
    assert list(body["errors"]) == ["submitted_on"] and "2026-03-02" in body["errors"]["submitted_on"][0]


def test_steps_write_is_needed_and_enterprises_may_not_update_steps(client, world):
    case = world.case()
    reader = make_token(world.users["agent"], scopes=["cases:read"], name="只读")
    assert_problem(_patch(client, case, reader, {"action": "start"}), 403)
    owner = make_token(world.users["owner"])
    assert_problem(_patch(client, case, owner, {"action": "start"}), 403)


def test_a_step_of_a_case_not_in_progress_is_409(client, world):
    case = world.case(signed=False)
    secret = make_token(world.users["agent"])
    assert case.status is CaseStatus.SIGNING
    assert_problem(_patch(client, case, secret, {"action": "start"}), 409)


def test_times_are_iso_with_their_offset(client, world, frozen_clock):
    frozen_clock(2026, 3, 2, 10)
    case = world.case()
    secret = make_token(world.users["manager"])
    item = client.get("/api/v1/cases", headers=bearer(secret)).get_json()["items"][0]
    assert datetime.fromisoformat(item["submitted_at"]) == datetime(2026, 3, 2, 2, tzinfo=UTC)
    assert item["promised_on"] is None or date.fromisoformat(item["promised_on"])
    assert case.id == item["id"]


def test_a_page_costs_the_same_statements_whatever_the_number_of_cases(client, world,
                                                                       count_queries,
                                                                       frozen_clock):
    frozen_clock(2026, 3, 2)   # the last use is noted once a minute: the clock must not pass it
    secret = make_token(world.users["manager"])
    world.case()
    client.get("/api/v1/cases", headers=bearer(secret))   # the last use is noted once a minute
    db.session.expire_all()   # as a new request's session starts (the suite shares one)
    with count_queries() as few:
        assert client.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
    for number in range(4):
        enterprise = make_enterprise(world.centers[0], f"企业{number}", f"91140700MA0K12{number}4X0")
        project = make_project(enterprise, world.centers[0], f"项目{number}")
        make_case(project, world.users["owner"], world.items, accept_by=world.users["manager"],
                  agent=world.users["agent"])
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        page = client.get("/api/v1/cases", headers=bearer(secret)).get_json()
    assert len(page["items"]) == 5 and many.count == few.count


def test_writes_need_no_csrf_token(world, app):
    """With CSRF protection on, as in production: the API reads no cookie, so it needs none."""
    config = type("WithCsrf", (TestingConfig,), {
        "WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    guarded = create_app(config)
    case = world.case()
    secret = make_token(world.users["agent"])
    try:
        response = guarded.test_client().patch(
            _step_url(case), json={"action": "start"},
            headers=bearer(secret, **{"If-Match": f'"{case.steps[0].version}"'}))
        assert response.status_code == 200
    finally:
        with guarded.app_context():
            db.engine.dispose()


# --- filters: stage, agent, light (as the case list page filters) -------------------------------

def _running(world, name, agent="agent"):
    project = make_project(world.enterprises[0], world.centers[0], name)
    return make_case(project, world.users["owner"], world.items, accept_by=world.users["manager"],
                     agent=world.users[agent])


def _submit(world, case, item_name, agent="agent"):
    step = next(s for s in case.steps if s.item.name == item_name)
    for action in ("start", "submit"):
        workflow.update_step(step, world.users[agent], seen_version=step.version, action=action)
    db.session.commit()


def _ids(client, secret, query):
    response = client.get(f"/api/v1/cases?{query}", headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


@pytest.fixture
def lit(world, frozen_clock):
    """Three running cases seen on 2026-10-12: red, yellow, green (as tests/test_traffic_lights),
    the green one handled by the other agent."""
    frozen_clock(2026, 9, 28)
    red, yellow = _running(world, "红灯项目"), _running(world, "黄灯项目")
    green = _running(world, "绿灯项目", agent="other_agent")
    frozen_clock(2026, 9, 30)
    _submit(world, red, "项目备案")                       # due 10-08
    frozen_clock(2026, 10, 8)
    _submit(world, yellow, "建设工程规划许可证")           # due 10-14, yellow from 10-12
    frozen_clock(2026, 10, 12)
    _submit(world, green, "建设工程规划许可证", agent="other_agent")   # due 10-19
    return {"red": red, "yellow": yellow, "green": green}


@pytest.mark.parametrize("who", ["manager", "owner"])
def test_the_list_filters_by_todays_light_as_the_page_does(client, world, login_as, lit, who):
    secret = make_token(world.users[who])
    for word, case in lit.items():
        assert _ids(client, secret, f"light={word}") == [case.id], word
        page = login_as(world.users[who]).get(f"/cases?light={word}").text
        assert case.number in page
    assert_problem(client.get("/api/v1/cases?light=none", headers=bearer(secret)), 422)
    assert_problem(client.get("/api/v1/cases?light=purple", headers=bearer(secret)), 422)


def test_the_light_filter_keeps_the_keyset_order_and_follows_the_day(client, world, lit,
                                                                   frozen_clock):
    secret = make_token(world.users["manager"])
    frozen_clock(2026, 10, 20)   # all three overdue now: red, listed by (updated_at, id)
    assert _ids(client, secret, "light=red") == _ids(client, secret, "") == sorted(
        (case.id for case in lit.values()),
        key=lambda case_id: (db.session.get(Case, case_id).updated_at, case_id))
    first = client.get("/api/v1/cases?light=red&limit=2", headers=bearer(secret)).get_json()
    rest = _ids(client, secret, f"light=red&limit=2&cursor={first['next']}")
    assert len(first["items"]) == 2 and len(rest) == 1


def test_the_list_filters_by_agent_and_stage(client, world, lit):
    secret = make_token(world.users["manager"])
    other = world.users["other_agent"].id
    assert _ids(client, secret, f"agent={other}") == [lit["green"].id]
    assert _ids(client, secret, f"agent={other}&light=red") == []
    # Every case has a step of each of its items' stages (the catalogue's three).
    assert len(_ids(client, secret, "stage=building")) == 3
    assert _ids(client, secret, "stage=utilities") == []
    assert _ids(client, secret, "stage=building&light=yellow") == [lit["yellow"].id]
    # An agent's own reach first: the other agent's cases are not theirs to filter.
    agent = make_token(world.users["agent"])
    assert _ids(client, agent, f"agent={other}") == []
    for bad in ("agent=x", "agent=1.0", "stage=moon"):
        assert_problem(client.get(f"/api/v1/cases?{bad}", headers=bearer(secret)), 422)
