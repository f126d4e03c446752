"""One case from request to completion, through the HTTP client only, role by role."""
import re

from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Case, CaseStatus, StepStatus

from .factories import PASSWORD, ensure_seal, staff_code


def version_on(page, action):
    """The hidden version of the form posting to `action` on a rendered page."""
    form = re.search(rf'action="{re.escape(action)}".*?</form>', page, re.S).group(0)
    return re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)


def step_version(client, url):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def handle(client, url, action, expect=302, **data):
    data.update(action=action, version=step_version(client, url))
    response = client.post(url, data=data)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def test_request_accept_assign_handle_complete(client, world, login_as):
    filing, planning, building = world.items
    owner, manager, agent = (world.users[w] for w in ("owner", "manager", "agent"))

    login_as(owner)
    response = client.post(f"/cases/new?project_id={world.project.id}", data={
        "items": [filing.id, planning.id, building.id], "contact_name": "李四",
        "contact_mobile": "13912345678", "note": "计划年内开工"})
    assert response.status_code == 302
    case = db.session.scalars(select(Case)).one()
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert case.status is CaseStatus.SUBMITTED

    login_as(manager)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    client.post(f"/cases/{case.id}/accept", data={
        "agent_id": "", "comment": "一次性告知：请准备总平面图",
        "version": version_on(page, f"/cases/{case.id}/accept")})
    assert case.status is CaseStatus.ACCEPTED
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    client.post(f"/cases/{case.id}/assign", data={
        "agent_id": agent.id, "version": version_on(page, f"/cases/{case.id}/assign")})
    assert (case.status, case.agent) == (CaseStatus.SIGNING, agent)

    # Both sign the generated agreement; the manager's counter-signature seals it.
    ensure_seal(case.center)
    agreement = case.agreements[0]
    for signer, title in ((owner, "法定代表人"), (manager, "主任")):
        login_as(signer)
        response = client.post(f"/agreements/{agreement.id}/sign", data={
            "signer_name": signer.name, "signer_title": title, "method": "typed",
            "confirm_read": "y", "password": PASSWORD, "code": staff_code()})
        assert response.status_code == 302, response.get_data(as_text=True)
    assert case.status is CaseStatus.IN_PROGRESS

    login_as(agent)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    urls = {step.item.name: f"/cases/{case.id}/steps/{step.id}" for step in case.steps}
    assert all(url in page for url in urls.values())   # the case page links each step

    one = urls["项目备案"]
    handle(client, one, "start")
    handle(client, one, "submit", acceptance_no="BA-SL-01")
    handle(client, one, "approve", permit_no="2405-140700-04-01-123456")

    two = urls["建设工程规划许可证"]
    handle(client, two, "start")
    handle(client, two, "submit")
    handle(client, two, "return", correction_request="补充总平面图消防通道")
    handle(client, two, "submit")

    three = urls["施工许可证"]
    handle(client, three, "start")
    handle(client, three, "submit", expect=422)        # 规划许可 not yet approved
    handle(client, two, "approve", permit_no="建字第140700202400012号")
    handle(client, three, "submit")
    response = handle(client, three, "refuse", refusal_reason="施工图审查未通过",
                      refusal_decision_no="晋中审批不许〔2024〕5号")

    assert [s.status for s in case.steps] == [
        StepStatus.APPROVED, StepStatus.APPROVED, StepStatus.REFUSED]
    assert case.status is CaseStatus.COMPLETED
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已办结" in page

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                .order_by(AuditEvent.id)).all()
    assert [(e.object_type, e.action) for e in events] == [
        ("case", "submit_case"), ("case", "accept"), ("issuednotice", "notice_issue"),
        ("case", "assign"), ("agreement", "agreement_generate"), ("agreement", "agreement_sign"),
        ("agreement", "agreement_sign"), ("agreement", "agreement_seal"), ("case", "seal"),
        ("step", "start"), ("step", "submit"), ("step", "approve"),
        ("step", "start"), ("step", "submit"), ("step", "return"), ("step", "submit"),
        ("step", "start"), ("step", "approve"), ("step", "submit"), ("step", "refuse"),
        ("case", "complete"), ("issuednotice", "notice_issue")]
    assert [e.actor_id for e in events] == [owner.id] + [manager.id] * 4 + [owner.id] \
        + [manager.id] * 3 + [agent.id] * 13
