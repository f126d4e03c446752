"""Bulk re-assignment tells the truth: the table shows who is on leave, the target list marks
absent agents, and a confirmation names the agreements whose signatures the move voids."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    Absence,
    AgreementState,
    Assignment,
    AuditEvent,
    Case,
    CaseStatus,
)
from proxy_service.workflow import agreements as signing

from .factories import ensure_seal, make_case, make_project
from .test_concurrency import said

URL = "/quality/reassign"


def _row(html, name):
    """The text of the workload table's row of `name`."""
    row = re.search(r"<tr>\s*<td[^>]*>" + re.escape(name) + r".*?</tr>", html, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))


def _away(world, who, days=3, substitute=None):
    today = clock.today()
    db.session.add(Absence(center_id=world.centers[0].id, agent=world.users[who],
                           start_on=today - timedelta(days=1), end_on=today + timedelta(days=days),
                           substitute=substitute and world.users[substitute], reason="年假"))
    db.session.commit()
    return today + timedelta(days=days)


def _signed_by_the_enterprise(world, name):
    """A case of 刘代办 whose agreement the enterprise signed (the move voids it)."""
    project = make_project(world.enterprises[0], world.centers[0], name)
    case = make_case(project, world.users["owner"], world.items, accept_by=world.users["manager"],
                     agent=world.users["agent"], sign=False)
    ensure_seal(case.center)
    signing.sign(signing.main_agreement(case), world.users["owner"], signer_name="张三",
                 signer_title="法定代表人", method="typed")
    db.session.commit()
    return case


@pytest.fixture
def cases(world):
    """agent: one case in progress, one whose enterprise signed (waiting for the center)."""
    return world.case(), _signed_by_the_enterprise(world, "动力电池梯次利用项目")


def test_the_table_shows_leave_and_the_target_list_marks_absent_agents(client, world, login_as,
                                                                      cases):
    back = _away(world, "other_agent", substitute="agent")
    login_as(world.users["manager"])
    html = client.get(URL).text
    row = _row(html, "陈代办")
    assert "休假中" in row and f"{back:%Y-%m-%d}" in row and "在岗" not in row
    assert "在岗" in _row(html, "刘代办")
    target = html[html.index('name="to_agent_id"'):]
    target = target[:target.index("</select>")]
    option = re.search(r"<option[^>]*>([^<]*陈代办[^<]*)</option>", target).group(1)
    assert "休假中" in option


def test_the_confirmation_names_the_agreements_whose_signatures_are_voided(client, world,
                                                                          login_as, cases):
    running, waiting = cases
    signed = signing.main_agreement(waiting)
    login_as(world.users["manager"])
    data = {"from_agent_id": world.users["agent"].id, "to_agent_id": world.users["other_agent"].id,
            "reason": "刘代办调岗"}
    page = client.post(URL, data=data)
    assert page.status_code == 200                       # a confirmation, nothing moved yet
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "reassign")) is None
    html = page.text
    assert running.number in html and waiting.number in html
    voided = html[html.index('id="voided"'):]
    voided = voided[:voided.index("</section>")]
    assert signed.number in voided and "企业已在线签署" in voided
    assert signing.main_agreement(running).number not in voided      # sealed: stays as it is
    expected = re.search(r'name="expected"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(URL, data={**data, "confirmed": "1", "expected": expected})
    assert response.status_code == 302
    db.session.expire_all()
    assert running.agent == waiting.agent == world.users["other_agent"]
    assert signed.state is AgreementState.AWAITING_ENTERPRISE and signed.signatures[0].voided


def test_an_agreement_nobody_signed_is_not_named(client, world, login_as):
    case = world.case(signed=False)
    db.session.commit()
    login_as(world.users["manager"])
    html = client.post(URL, data={"from_agent_id": world.users["agent"].id,
                                  "to_agent_id": world.users["other_agent"].id,
                                  "reason": "调岗"}).text
    assert case.number in html and 'id="voided"' not in html
    assert "没有企业已签署的协议受影响" in html


def test_a_confirmation_overtaken_by_a_signature_is_shown_again(client, world, login_as):
    case = world.case(signed=False)
    ensure_seal(case.center)
    db.session.commit()
    login_as(world.users["manager"])
    data = {"from_agent_id": world.users["agent"].id, "to_agent_id": world.users["other_agent"].id,
            "reason": "调岗"}
    html = client.post(URL, data=data).text
    expected = re.search(r'name="expected"[^>]*value="([^"]+)"', html).group(1)
    agreement = signing.main_agreement(case)
    signing.sign(agreement, world.users["owner"], signer_name="张三", signer_title="法定代表人",
                 method="typed")                 # the enterprise signs meanwhile
    db.session.commit()
    response = client.post(URL, data={**data, "confirmed": "1", "expected": expected})
    assert response.status_code == 409 and agreement.number in response.text
    db.session.expire_all()
    assert case.agent == world.users["agent"] and case.status is CaseStatus.SIGNING
    assert not agreement.signatures[0].voided


def test_the_confirmation_takes_as_many_statements_for_three_agreements_as_for_one(
        client, world, login_as, count_queries):
    login_as(world.users["manager"])
    data = {"from_agent_id": world.users["agent"].id, "to_agent_id": world.users["other_agent"].id,
            "reason": "调岗"}
    counted = []
    for name in ("动力电池梯次利用项目", "光伏组件回收项目", "氢能装备制造项目"):
        _signed_by_the_enterprise(world, name)
        db.session.expire_all()
        with count_queries() as counter:
            html = client.post(URL, data=data).text
        counted.append(counter.count)
        assert html.count("企业已在线签署（张三") == len(counted)
    assert counted[0] == counted[2], counted


def test_a_case_saved_meanwhile_answers_the_conflict_and_moves_nothing(client, world, login_as,
                                                                      monkeypatch):
    """Another transaction saves one of the cases after the move loaded it: the move's commit
    meets StaleDataError (the case's version moved on), which is answered as a conflict, never
    a 500, and nothing of the move stays."""
    cases = [world.case(signed=False), _signed_by_the_enterprise(world, "动力电池梯次利用项目")]
    ids = {case.id for case in cases}
    login_as(world.users["manager"])
    data = {"from_agent_id": world.users["agent"].id, "to_agent_id": world.users["other_agent"].id,
            "reason": "刘代办调岗"}
    html = client.post(URL, data=data).text
    expected = re.search(r'name="expected"[^>]*value="([^"]+)"', html).group(1)
    events_before = db.session.scalar(select(func.max(AuditEvent.id)))
    assign_agent, saved = workflow.assign_agent, []

    def another_save_first(case, *args, **kwargs):
        # Before the move writes anything: another request saves the other case and commits.
        if not saved:
            other = (ids - {case.id}).pop()
            with db.engine.begin() as connection:
                connection.execute(update(Case).where(Case.id == other)
                                   .values(version=Case.version + 1))
            saved.append(other)
        return assign_agent(case, *args, **kwargs)
    monkeypatch.setattr(workflow, "assign_agent", another_save_first)

    response = client.post(URL, data={**data, "confirmed": "1", "expected": expected})
    assert saved and response.status_code == 409
    assert "该记录在您编辑期间已被他人修改，未保存。" in said(client, response)
    db.session.expire_all()
    assert {case.agent for case in cases} == {world.users["agent"]}
    assert db.session.scalar(select(func.max(AuditEvent.id))) == events_before
    assert db.session.scalar(select(func.count(Assignment.id)).where(
        Assignment.agent_id == world.users["other_agent"].id)) == 0
