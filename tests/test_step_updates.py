"""Step updates through HTTP: legal moves only, stale forms refused, notes, uploads, access."""
import re
from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import FileStorage

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Document, Message, StepStatus

from .factories import PDF

STALE = "该事项在您编辑期间已被他人修改，以下为最新内容，您的修改未保存。"


def step_named(case, name):
    return next(step for step in case.steps if step.item.name == name)


def url(step):
    return f"/cases/{step.case_id}/steps/{step.id}"


def post(client, step, version=None, **data):
    data.setdefault("version", step.version if version is None else version)
    return client.post(url(step), data=data, content_type="multipart/form-data")


def move(client, step, action, **data):
    response = post(client, step, action=action, **data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/cases/{step.case_id}")
    return step


def step_events(step):
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "step", AuditEvent.object_id == step.id)
        .order_by(AuditEvent.id)).all()


def test_start_submit_approve_records_numbers_and_dates(case, agent, frozen_clock):
    frozen_clock(2024, 5, 10)
    filing = step_named(case, "项目备案")
    move(agent, filing, "start")
    assert filing.status is StepStatus.PREPARING
    move(agent, filing, "submit", acceptance_no="SL-2024-001", submitted_on="2024-05-08")
    assert (filing.status, filing.acceptance_no, filing.submitted_on) == (
        StepStatus.SUBMITTED, "SL-2024-001", date(2024, 5, 8))
    move(agent, filing, "approve", permit_no="2405-140700-04-01-123456", approved_on="2024-05-09",
         by_commitment="y")
    assert (filing.status, filing.permit_no, filing.approved_on, filing.by_commitment) == (
        StepStatus.APPROVED, "2405-140700-04-01-123456", date(2024, 5, 9), True)


def test_return_for_correction_then_resubmit(case, agent):
    planning = step_named(case, "建设工程规划许可证")
    move(agent, planning, "start")
    move(agent, planning, "submit")
    move(agent, planning, "return", correction_request="总平面图缺少消防通道标注")
    assert planning.status is StepStatus.RETURNED
    assert planning.correction_request == "总平面图缺少消防通道标注"
    move(agent, planning, "submit")
    assert planning.status is StepStatus.SUBMITTED


def test_return_without_correction_request_is_refused(case, agent):
    planning = step_named(case, "建设工程规划许可证")
    move(agent, planning, "start")
    move(agent, planning, "submit")
    response = post(agent, planning, action="return")
    assert response.status_code == 422
    assert "退回补正须写明需补正的内容。" in response.get_data(as_text=True)
    assert planning.status is StepStatus.SUBMITTED


def test_refusal_records_reason_and_decision_number(case, agent):
    filing = step_named(case, "项目备案")
    move(agent, filing, "start")
    move(agent, filing, "submit")
    move(agent, filing, "refuse", refusal_reason="不符合产业政策", refusal_decision_no="晋中审批不许〔2024〕3号")
    assert (filing.status, filing.refusal_reason, filing.refusal_decision_no) == (
        StepStatus.REFUSED, "不符合产业政策", "晋中审批不许〔2024〕3号")


def test_refusal_needs_a_reason(case, agent):
    filing = step_named(case, "项目备案")
    move(agent, filing, "start")
    move(agent, filing, "submit")
    assert post(agent, filing, action="refuse", refusal_decision_no="3号").status_code == 422
    assert filing.status is StepStatus.SUBMITTED


def test_not_required_needs_a_reason(case, agent):
    filing = step_named(case, "项目备案")
    assert post(agent, filing, action="skip").status_code == 422
    move(agent, filing, "skip", not_required_reason="已由区级统一办理")
    assert (filing.status, filing.not_required_reason) == (StepStatus.NOT_REQUIRED, "已由区级统一办理")


def test_the_form_offers_only_legal_actions(case, agent):
    page = agent.get(url(step_named(case, "项目备案"))).get_data(as_text=True)
    radios = re.findall(r'<input[^>]*name="action"[^>]*>', page)
    assert {re.search(r'value="([^"]*)"', radio).group(1) for radio in radios} == {"", "start", "skip"}
    assert "只更新信息，不变更状态" in page


def test_an_illegal_action_is_refused_and_nothing_changes(case, agent):
    filing = step_named(case, "项目备案")
    version = filing.version
    response = post(agent, filing, action="approve", permit_no="X-1")
    assert response.status_code == 422
    assert filing.status is StepStatus.PENDING and filing.permit_no == ""
    assert filing.version == version
    assert step_events(filing) == []


def test_submit_waits_for_prerequisites(case, agent):
    building = step_named(case, "施工许可证")
    move(agent, building, "start")
    response = post(agent, building, action="submit")
    assert response.status_code == 422
    assert "前置事项尚未批准：建设工程规划许可证" in response.get_data(as_text=True)
    assert building.status is StepStatus.PREPARING


def test_information_only_update_keeps_status(case, agent):
    filing = step_named(case, "项目备案")
    move(agent, filing, "", acceptance_no="SL-7")
    assert (filing.status, filing.acceptance_no) == (StepStatus.PENDING, "SL-7")
    assert [(e.action, e.from_status, e.to_status) for e in step_events(filing)] == [
        ("edit", "pending", "pending")]


def test_a_stale_version_is_refused_with_the_latest_values(case, agent):
    filing = step_named(case, "项目备案")
    seen = filing.version
    filing.acceptance_no = "SL-OTHER"     # someone else's save
    db.session.commit()
    response = post(agent, filing, version=seen, acceptance_no="SL-MINE", action="start")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert STALE in page
    assert "SL-OTHER" in page and 'value="SL-MINE"' in page   # latest shown, input kept
    assert f'name="version" type="hidden" value="{filing.version}"' in page
    assert filing.version == seen + 1
    assert (filing.status, filing.acceptance_no) == (StepStatus.PENDING, "SL-OTHER")


@pytest.mark.parametrize("action", ["skip", "start"])   # "start" is no longer even offered
def test_a_stale_form_is_refused_even_when_the_edits_did_not_overlap(case, agent, world, login_as,
                                                                      action):
    filing = step_named(case, "项目备案")
    page = agent.get(url(filing)).get_data(as_text=True)
    seen = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    manager = login_as(world.users["manager"])
    move(manager, filing, "start", note="经理先处理")
    agent = login_as(world.users["agent"])
    response = agent.post(url(filing), data={"version": seen, "action": action,
                                              "not_required_reason": "无需办理"})
    assert response.status_code == 409
    assert STALE in response.get_data(as_text=True)
    assert filing.status is StepStatus.PREPARING


def test_a_concurrent_save_caught_at_commit_is_a_conflict(case, agent, monkeypatch):
    def lost_race(step, *args, **kwargs):
        raise StaleDataError("UPDATE statement on table 'steps' expected to update 1 row(s)")
    monkeypatch.setattr(workflow, "update_step", lost_race)
    filing = step_named(case, "项目备案")
    response = post(agent, filing, action="start", acceptance_no="SL-MINE")
    assert response.status_code == 409
    assert STALE in response.get_data(as_text=True)
    assert filing.status is StepStatus.PENDING and filing.acceptance_no == ""


@pytest.mark.parametrize("visibility, internal", [("visible", False), ("internal", True)])
def test_a_note_becomes_a_message_with_its_visibility(case, agent, world, visibility, internal):
    filing = step_named(case, "项目备案")
    move(agent, filing, "start", note="已电话联系企业准备材料", note_visibility=visibility)
    message = db.session.scalars(select(Message).where(Message.step_id == filing.id)).one()
    assert (message.case_id, message.author_id, message.body, message.internal) == (
        case.id, world.users["agent"].id, "已电话联系企业准备材料", internal)
    # An internal note never reaches the enterprise through the visible audit trail.
    visible = [e.comment for e in step_events(filing) if not e.internal]
    hidden = [e.comment for e in step_events(filing) if e.internal]
    assert visible[-1] == ("" if internal else "已电话联系企业准备材料")
    assert hidden == (["已电话联系企业准备材料"] if internal else [])


def test_no_note_no_message(case, agent):
    move(agent, step_named(case, "项目备案"), "start")
    assert db.session.scalars(select(Message)).all() == []


def test_a_permit_is_uploaded_with_the_approval(case, agent):
    filing = step_named(case, "项目备案")
    move(agent, filing, "start")
    move(agent, filing, "submit")
    move(agent, filing, "approve", permit_no="BA-1", document_kind="permit",
         document=(BytesIO(PDF), "备案证明.pdf"))
    document = db.session.scalars(select(Document)).one()
    assert (document.step_id, document.case_id, document.kind, document.filename) == (
        filing.id, case.id, "permit", "备案证明.pdf")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)
                                 .order_by(AuditEvent.id)).all()
    # The upload is stored first, so that a 办结单 issued by this approval lists it.
    assert actions[-2:] == ["upload", "approve"]


def test_a_refused_upload_saves_nothing(case, agent):
    filing = step_named(case, "项目备案")
    move(agent, filing, "start")
    move(agent, filing, "submit")
    response = post(agent, filing, action="approve", permit_no="BA-1",
                    document=(BytesIO(b"just text"), "permit.pdf"))
    assert response.status_code == 422
    assert re.search(r'id="document-error">只接受 PDF、JPG、PNG 或 OFD 文件',
                     response.get_data(as_text=True))
    assert filing.status is StepStatus.SUBMITTED
    assert db.session.scalars(select(Document)).all() == []


@pytest.mark.parametrize("field, value", [
    ("status", StepStatus.APPROVED), ("version", 99), ("case_id", 1), ("comment", "旧参数")])
def test_the_verb_writes_only_what_the_form_records(case, world, field, value):
    filing = step_named(case, "项目备案")
    with pytest.raises(TypeError, match=field):
        workflow.update_step(filing, world.users["agent"], seen_version=filing.version,
                             action="start", **{field: value})
    assert filing.status is StepStatus.PENDING
    assert step_events(filing) == []


def test_the_verb_alone_keeps_the_note_and_the_document(case, world):
    """What a second interface (the JSON API) calls: one verb, no view around it."""
    filing, agent_user = step_named(case, "项目备案"), world.users["agent"]
    workflow.update_step(filing, agent_user, seen_version=filing.version, action="start",
                         acceptance_no="SL-API", note="受理回执已上传", internal=True,
                         document=FileStorage(BytesIO(PDF), filename="受理回执.pdf"),
                         document_kind="receipt")
    db.session.commit()
    message = db.session.scalars(select(Message)).one()
    assert (message.case_id, message.step_id, message.author_id, message.body,
            message.internal) == (case.id, filing.id, agent_user.id, "受理回执已上传", True)
    document = db.session.scalars(select(Document)).one()
    assert (document.case_id, document.step_id, document.kind, document.filename,
            document.uploaded_by_id) == (case.id, filing.id, "receipt", "受理回执.pdf",
                                         agent_user.id)
    assert (filing.status, filing.acceptance_no) == (StepStatus.PREPARING, "SL-API")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.comment, e.internal) for e in events[-3:]] == [
        ("upload", "受理回执.pdf", False), ("start", "", False), ("note", "受理回执已上传", True)]


def test_the_verb_trims_text_and_leaves_a_field_alone_for_blank_text(case, world):
    """The same for every interface: the page's form and the API hand over what was typed."""
    filing, agent_user = step_named(case, "项目备案"), world.users["agent"]
    workflow.update_step(filing, agent_user, seen_version=filing.version, action="start",
                         acceptance_no="  SL-1 ")
    workflow.update_step(filing, agent_user, seen_version=filing.version, acceptance_no="   ")
    assert filing.acceptance_no == "SL-1"


@pytest.mark.parametrize("who, status", [
    ("owner", 403), ("other_enterprise", 404), ("agent", 200), ("other_agent", 404),
    ("manager", 200), ("other_manager", 404), ("other_center_agent", 404)])
def test_who_may_open_the_step_form(case, world, login_as, who, status):
    client = login_as(world.users[who])
    assert client.get(url(step_named(case, "项目备案"))).status_code == status


@pytest.mark.parametrize("who, status", [
    ("owner", 403), ("other_agent", 404), ("other_manager", 404), ("manager", 302)])
def test_who_may_update_a_step(case, world, login_as, who, status):
    filing = step_named(case, "项目备案")
    assert post(login_as(world.users[who]), filing, action="start").status_code == status
    assert filing.status is (StepStatus.PREPARING if status == 302 else StepStatus.PENDING)


def test_steps_of_a_suspended_case_cannot_be_updated(case, agent, world):
    workflow.suspend_case(case, world.users["manager"], "企业暂停投资")
    db.session.commit()
    filing = step_named(case, "项目备案")
    response = post(agent, filing, action="start", acceptance_no="SL-9")
    # A form loaded before the suspension: refused as a conflict with the case's state, on the
    # step's read-only page, which says since when and why the case is suspended.
    assert response.status_code == 409
    assert "案件已中止办理，本事项现在不能更新，您的修改未保存。" in response.text
    assert "中止原因：企业暂停投资" in response.text
    assert filing.status is StepStatus.PENDING and filing.acceptance_no == ""


def test_each_move_writes_an_audit_event_by_its_actor(case, agent, world):
    filing = step_named(case, "项目备案")
    move(agent, filing, "start")
    move(agent, filing, "submit")
    move(agent, filing, "approve", permit_no="BA-1")
    events = step_events(filing)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("start", "pending", "preparing"), ("submit", "preparing", "submitted"),
        ("approve", "submitted", "approved")]
    assert {e.actor_id for e in events} == {world.users["agent"].id}
    assert {(e.case_id, e.center_id) for e in events} == {(case.id, case.center_id)}


def test_the_page_shows_the_catalogue_entry(case, agent):
    page = agent.get(url(step_named(case, "施工许可证"))).get_data(as_text=True)
    for text in ("行政审批局", "审批", "14 工作日", "7 工作日", "申请表", "营业执照",
                 "建设工程规划许可证", "未开始"):
        assert text in page
