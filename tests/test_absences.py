"""Absences and substitutes: the substitute sees and acts on the absent agent's cases while
the absence lasts, the audit says for whom, the enterprise sees whom to call."""
from datetime import date

import pytest

from proxy_service import permissions
from proxy_service.core.extensions import db
from proxy_service.models import Absence, AuditEvent, Role
from proxy_service.workflow import assignment

from .factories import make_user

JUNE_9, JUNE_13 = date(2025, 6, 9), date(2025, 6, 13)


@pytest.fixture
def covered(world, frozen_clock):
    """agent (刘代办) is on leave 9–13 June 2025 and other_agent (陈代办) stands in; today is 11 June."""
    frozen_clock(2025, 6, 11)
    world.users["other_agent"].phone = "13911112222"
    case = world.case(agent="agent")
    absence = assignment.record_absence(world.users["agent"], world.users["agent"],
                                        start_on=JUNE_9, end_on=JUNE_13, reason="年假")
    assignment.set_substitute(absence, world.users["manager"], world.users["other_agent"])
    db.session.commit()
    return case


def test_substitute_sees_the_absent_agents_cases(client, world, login_as, covered):
    login_as(world.users["other_agent"])
    assert client.get(f"/cases/{covered.id}").status_code == 200
    assert covered.number in client.get("/cases").text
    assert covered.project.name in client.get("/inbox").text


def test_without_a_substitute_colleagues_see_nothing(client, world, login_as, covered):
    absence = db.session.query(Absence).one()
    assignment.set_substitute(absence, world.users["manager"], None)
    db.session.commit()
    login_as(world.users["other_agent"])
    assert client.get(f"/cases/{covered.id}").status_code == 404


def test_substitute_acts_and_the_audit_says_for_whom(client, world, login_as, covered):
    step = covered.steps[0]
    login_as(world.users["other_agent"])
    response = client.post(f"/cases/{covered.id}/steps/{step.id}", data={
        "action": "start", "version": step.version, "note": "已联系企业准备材料"})
    assert response.status_code == 302
    event = db.session.query(AuditEvent).filter_by(object_type="step", action="start").one()
    assert event.actor == world.users["other_agent"]
    assert event.comment.startswith("（代刘代办办理）")
    assert "（代刘代办办理）" in client.get(f"/cases/{covered.id}").text


def test_the_agent_acting_on_own_case_has_no_prefix(client, world, login_as, covered):
    step = covered.steps[0]
    login_as(world.users["agent"])   # working during the leave is still allowed
    client.post(f"/cases/{covered.id}/steps/{step.id}", data={"action": "start",
                                                                "version": step.version})
    event = db.session.query(AuditEvent).filter_by(object_type="step", action="start").one()
    assert "代" not in event.comment


def test_visibility_ends_with_the_absence(client, world, login_as, covered, frozen_clock):
    frozen_clock(2025, 6, 16)
    step = covered.steps[0]
    login_as(world.users["other_agent"])
    assert client.get(f"/cases/{covered.id}").status_code == 404
    assert client.post(f"/cases/{covered.id}/steps/{step.id}", data={
        "action": "start", "version": step.version}).status_code == 404
    assert covered.project.name not in client.get("/inbox").text


def test_visibility_starts_with_the_absence(client, world, login_as, covered, frozen_clock):
    frozen_clock(2025, 6, 6)
    login_as(world.users["other_agent"])
    assert client.get(f"/cases/{covered.id}").status_code == 404


def test_enterprise_sees_the_substitutes_name_and_phone(client, world, login_as, covered,
                                                        frozen_clock):
    login_as(world.users["owner"])
    html = client.get(f"/cases/{covered.id}").text
    assert "由 陈代办 代为办理" in html and "13911112222" in html
    frozen_clock(2025, 6, 16)
    html = client.get(f"/cases/{covered.id}").text
    assert "代为办理" not in html and "13911112222" not in html


# --- the rules ------------------------------------------------------------------------

@pytest.mark.parametrize("start, end", [(date(2025, 6, 12), date(2025, 6, 10)),   # reversed
                                        (date(2025, 6, 1), date(2025, 6, 5)),     # already over
                                        (date(2025, 6, 13), date(2025, 6, 20))])  # overlaps
def test_absence_periods_that_are_refused(world, covered, start, end):
    with pytest.raises(assignment.AssignmentError):
        assignment.record_absence(world.users["agent"], world.users["agent"],
                                  start_on=start, end_on=end)


@pytest.mark.parametrize("who", ["agent", "manager", "other_center_agent"])
def test_substitute_must_be_another_agent_of_the_center(world, covered, who):
    absence = db.session.query(Absence).one()
    with pytest.raises(assignment.AssignmentError):
        assignment.set_substitute(absence, world.users["manager"], world.users[who])


def test_cancelling_a_current_absence_ends_it_yesterday(world, covered):
    absence = db.session.query(Absence).one()
    assignment.cancel_absence(absence, world.users["agent"])
    assert absence.end_on == date(2025, 6, 10)
    assert not permissions.acts_for(world.users["other_agent"], world.users["agent"].id)


# --- pages ---------------------------------------------------------------------------

def test_agent_records_own_absence(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 11)
    login_as(world.users["agent"])
    response = client.post("/quality/my-absences", data={
        "start_on": "2025-06-16", "end_on": "2025-06-20", "reason": "培训"})
    assert response.status_code == 302
    absence = db.session.query(Absence).one()
    assert (absence.agent, absence.start_on, absence.substitute) == (
        world.users["agent"], date(2025, 6, 16), None)
    assert db.session.query(AuditEvent).filter_by(action="absence_create").count() == 1
    assert "2025-06-16" in client.get("/quality/my-absences").text
    bad = client.post("/quality/my-absences", data={"start_on": "2025-06-20", "end_on": "2025-06-16"})
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.text


def test_agent_cancels_an_upcoming_absence_but_not_a_colleagues(client, world, login_as,
                                                                  frozen_clock):
    frozen_clock(2025, 6, 11)
    absence = assignment.record_absence(world.users["agent"], world.users["agent"],
                                        start_on=date(2025, 6, 16), end_on=date(2025, 6, 20))
    db.session.commit()
    login_as(world.users["other_agent"])
    assert client.post(f"/quality/absences/{absence.id}/cancel").status_code == 404
    login_as(world.users["agent"])
    assert client.post(f"/quality/absences/{absence.id}/cancel").status_code == 302
    assert db.session.query(Absence).count() == 0


def test_manager_sets_the_substitute(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 11)
    absence = assignment.record_absence(world.users["agent"], world.users["agent"],
                                        start_on=JUNE_9, end_on=JUNE_13)
    db.session.commit()
    login_as(world.users["manager"])
    assert "刘代办" in client.get("/quality/absences").text
    response = client.post(f"/quality/absences/{absence.id}/substitute",
                           data={"substitute_id": world.users["other_agent"].id})
    assert response.status_code == 302
    db.session.refresh(absence)
    assert absence.substitute == world.users["other_agent"]
    event = db.session.query(AuditEvent).filter_by(action="substitute_set").one()
    assert event.actor == world.users["manager"] and "陈代办" in event.comment


def test_manager_records_an_absence_with_its_substitute(client, world, login_as, frozen_clock):
    frozen_clock(2025, 6, 11)
    login_as(world.users["manager"])
    response = client.post("/quality/absences", data={
        "agent_id": world.users["agent"].id, "start_on": "2025-06-11", "end_on": "2025-06-12",
        "substitute_id": world.users["other_agent"].id, "reason": "病假"})
    assert response.status_code == 302
    absence = db.session.query(Absence).one()
    assert absence.substitute == world.users["other_agent"]


@pytest.mark.parametrize("url, method", [("/quality/absences", "GET"),
                                         ("/quality/absences/{id}/substitute", "POST")])
def test_substitute_pages_are_for_managers_of_the_center(client, world, login_as, covered, url,
                                                         method):
    url = url.format(id=db.session.query(Absence).one().id)
    data = {"substitute_id": world.users["agent"].id}
    login_as(world.users["agent"])
    assert client.open(url, method=method, data=data).status_code == 403
    login_as(world.users["other_manager"])
    expected = 200 if method == "GET" else 404
    response = client.open(url, method=method, data=data)
    assert response.status_code == expected
    assert "刘代办" not in response.text


def test_absence_list_query_count_does_not_grow(client, world, login_as, covered, count_queries):
    login_as(world.users["manager"])
    db.session.commit()   # as after the setup below: the logged-in user is loaded afresh
    with count_queries() as few:
        client.get("/quality/absences")
    for n in range(8):
        agent = make_user(f"extra{n}", Role.AGENT, center=world.centers[0], name=f"代办{n}")
        absence = assignment.record_absence(agent, agent, start_on=JUNE_9, end_on=JUNE_13)
        assignment.set_substitute(absence, world.users["manager"], world.users["other_agent"])
    db.session.commit()
    with count_queries() as many:
        assert "代办7" in client.get("/quality/absences").text
    assert many.count == few.count
