"""Correcting an issued notice: a new revision with its reason; the earlier one stays as it was."""
import pytest
from sqlalchemy import update

from proxy_service import workflow
from proxy_service.audit import chain as audit_chain
from proxy_service.core.conflicts import StaleEdit
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, IssuedNotice, NoticeKind, Step, StepStatus
from proxy_service.workflow import notice_corrections

from .test_notice_history import _a_case_with_history
from .test_notices import add_item, notice_links, reassign, rename, suspend, text


def correct_url(case, notice):
    return f"/cases/{case.id}/notices/{notice.id}/correct"


def test_a_manager_issues_a_corrected_revision_and_the_first_stays(client, login_as, world):
    case = world.case()
    first = db.session.query(IssuedNotice).one()
    original = first.data
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], reason="调岗")
    db.session.commit()
    login_as(world.users["manager"])
    assert client.get(correct_url(case, first)).status_code == 200
    response = client.post(correct_url(case, first), data={"reason": "", "revision": "1"})
    assert response.status_code == 422 and "更正须说明原因。" in response.text
    response = client.post(correct_url(case, first), data={"reason": "联系电话笔误", "revision": "1"})
    assert response.status_code == 302
    first_again, second = db.session.query(IssuedNotice).filter_by(
        kind=NoticeKind.MATERIALS).order_by(IssuedNotice.revision).all()
    assert first_again.data == original and client.get(
        f"/cases/{case.id}/notices/{first.id}.pdf").data == original
    assert (second.revision, second.reason, second.number) == (2, "联系电话笔误", first.number)
    printed = text(second.data)
    assert "第2版" in printed and "更正原因：联系电话笔误" in printed
    assert "刘代办" in printed and "陈代办" not in printed    # the agent named at acceptance
    assert [t for t, _ in notice_links(client, case)] == ["一次性告知单", "一次性告知单", "代办员变更通知书"]
    assert "已更正" in client.get(f"/cases/{case.id}").text
    event = db.session.query(AuditEvent).filter_by(action="notice_correct").one()
    assert event.comment == (f"一次性告知单 {first.number} 第2版，SHA-256 {second.sha256}；"
                             "原因：联系电话笔误")


def test_a_stale_correction_stores_nothing(client, login_as, world):
    case = world.case()
    first = db.session.query(IssuedNotice).one()
    login_as(world.users["manager"])
    client.post(correct_url(case, first), data={"reason": "笔误", "revision": "1"})
    response = client.post(correct_url(case, first), data={"reason": "再次更正", "revision": "1"})
    assert response.status_code == 302
    assert db.session.query(IssuedNotice).count() == 2
    assert "该记录在您编辑期间已被他人修改" in client.get(f"/cases/{case.id}").text


def test_only_the_centers_managers_correct(client, login_as, world):
    case = world.case()
    first = db.session.query(IssuedNotice).one()
    for who, status in (("owner", 403), ("agent", 403), ("other_manager", 404)):
        login_as(world.users[who])
        assert client.get(correct_url(case, first)).status_code == status, who
        assert client.post(correct_url(case, first), data={"reason": "x"}).status_code == status
    assert db.session.query(IssuedNotice).count() == 1


# --- a correction is about the same moment as the notice it corrects (review 2, B1) ---------

def _the(kind, seq=1):
    return db.session.query(IssuedNotice).filter_by(kind=kind, seq=seq, revision=1).one()


def test_a_corrected_change_notice_names_the_agent_that_change_appointed(world, frozen_clock):
    frozen_clock(2026, 11, 2)
    case = world.case()                       # 刘代办
    frozen_clock(2026, 11, 9)
    reassign(world, case)                     # 刘 → 陈: BG-01
    frozen_clock(2026, 11, 16)
    reassign(world, case, to="agent")         # 陈 → 刘: BG-02
    corrected = notice_corrections.correct(_the(NoticeKind.CHANGE), world.users["manager"],
                                           "更正变更原因笔误")
    db.session.commit()
    printed = text(corrected.data)
    assert "原代办员刘代办" in printed and "新代办员陈代办" in printed
    assert "自2026年11月9日起变更" in printed and "日期：2026年11月16日" in printed


def test_a_corrected_suspension_notice_shows_the_steps_as_they_stood_then(world, frozen_clock):
    """Suspended 11-25; resumed and a step filed 12-07; re-assigned and an item added 12-08."""
    _a_case_with_history(world, frozen_clock)
    corrected = notice_corrections.correct(_the(NoticeKind.SUSPEND), world.users["manager"],
                                           "原因笔误")
    db.session.commit()
    printed = text(corrected.data)
    assert "已报送审批" not in printed and "取水许可" not in printed
    assert "自2026年11月25日起中止代办服务" in printed and "3施工许可证未开始说明" in printed


def test_a_corrected_materials_notice_takes_only_names_and_addresses_from_today(world,
                                                                               frozen_clock):
    frozen_clock(2026, 10, 13)
    case = world.case()
    frozen_clock(2026, 10, 21)
    reassign(world, case)
    frozen_clock(2026, 11, 30)
    add_item(world, case)
    rename(case)
    corrected = notice_corrections.correct(_the(NoticeKind.MATERIALS), world.users["manager"],
                                           "企业名称变更")
    db.session.commit()
    printed = text(corrected.data)
    assert "刘代办" in printed and "陈代办" not in printed and "取水许可" not in printed
    assert "山西绿碳环保科技集团有限公司" in printed and "尚风绿谷二期项目" in printed
    assert "2026年10月13日受理" in printed and "日期：2026年11月30日" in printed


def test_a_notice_the_history_cannot_place_is_corrected_from_todays_data_and_says_so(
        world, frozen_clock):
    frozen_clock(2026, 11, 2)
    case = world.case()
    frozen_clock(2026, 11, 25)
    suspend(world, case)
    # A step moved without a trace in the audit log: how it stood on 11-25 is unknown.
    db.session.execute(update(Step).where(Step.id == case.steps[0].id)
                       .values(status=StepStatus.SUBMITTED))
    corrected = notice_corrections.correct(_the(NoticeKind.SUSPEND), world.users["manager"],
                                           "原因笔误")
    printed = text(corrected.data)
    assert "已报送审批" in printed and "内容按更正时的案件数据生成" in printed


# --- a correction locks nothing but the notice (review 2, D6) -------------------------------

def test_a_correction_leaves_the_case_as_it_was(world):
    case = world.case()
    db.session.commit()
    version = case.version
    notice_corrections.correct(_the(NoticeKind.MATERIALS), world.users["manager"], "笔误")
    db.session.commit()
    db.session.expire_all()
    assert case.version == version


def test_two_corrections_at_once_store_one_revision(world, monkeypatch):
    """The other request stored revision 2 after this one read the latest revision: the unique
    key refuses the second revision 2, as a stale edit."""
    world.case()
    first = _the(NoticeKind.MATERIALS)
    notice_corrections.correct(first, world.users["manager"], "笔误")
    db.session.commit()
    monkeypatch.setattr(notice_corrections, "_latest_revision", lambda notice: 1)
    with pytest.raises(StaleEdit):
        notice_corrections.correct(first, world.users["manager"], "再次更正")
    db.session.rollback()
    assert db.session.query(IssuedNotice).count() == 2


# --- issuing is audited with the bytes' digest (review 2, D4) -------------------------------

def test_issuing_a_notice_records_its_number_and_digest_in_the_audit_chain(world):
    case = world.case()
    suspend(world, case)
    notices = db.session.query(IssuedNotice).order_by(IssuedNotice.id).all()
    events = db.session.query(AuditEvent).filter_by(action="notice_issue") \
        .order_by(AuditEvent.id).all()
    assert [(e.object_type, e.object_id, e.case_id, e.actor_id) for e in events] == [
        ("issuednotice", n.id, case.id, world.users["manager"].id) for n in notices]
    assert [e.comment for e in events] == [
        f"一次性告知单 {case.number}-GZ，SHA-256 {notices[0].sha256}",
        f"中止通知书 {case.number}-ZZ-01，SHA-256 {notices[1].sha256}"]
    assert audit_chain.verify_chains(db.session)[0] == []


def test_a_rolled_back_verb_leaves_neither_notice_nor_event(world):
    case = world.case()
    db.session.commit()
    workflow.terminate_case(case, world.users["manager"], "项目取消。")
    db.session.rollback()
    assert db.session.query(AuditEvent).filter_by(action="notice_issue").count() == 1
