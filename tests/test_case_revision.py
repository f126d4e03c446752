"""A case's revision (workflow/revision.py): every verb that touches a case advances it and
sets changed_at in its own transaction, without the case form's optimistic lock (version)
moving when the case row itself did not change."""
import io
from datetime import date
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import Case, DayKind, Grade, IssuedNotice, NoticeKind, Outcome
from proxy_service.workflow import calendar as calendar_changes
from proxy_service.workflow import notice_corrections, paper_signing, quality, supplements
from proxy_service.workflow.documents import store_document

from .factories import PDF, make_item, sign_and_seal, stand_in_documents


def _step(case, world, action, index=0, **details):
    step = case.steps[index]
    workflow.update_step(step, world.users["agent"], seen_version=step.version, action=action,
                         **details)


def _filed(case, world):
    _step(case, world, "start")
    _step(case, world, "submit")


def _returned(case, world):
    _filed(case, world)
    _step(case, world, "return", correction_request="补充环评批复")


def _all_but_last_skipped(case, world):
    for index in range(len(case.steps) - 1):
        _step(case, world, "skip", index, not_required_reason="园区已统一办理")


def _completed(case, world):
    _all_but_last_skipped(case, world)
    _step(case, world, "skip", -1, not_required_reason="园区已统一办理")


def _rated(case, world, grade=Grade.SATISFIED):
    _completed(case, world)
    quality.rate(case, world.users["owner"], grade=grade, efficiency=3, attitude=3, expertise=3)


def _upload(name="申请材料.pdf"):
    return FileStorage(io.BytesIO(PDF), filename=name)


def _reassigned(case, world):
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], reason="工作调整")


def _the_change_notice(case):
    return db.session.query(IssuedNotice).filter_by(case_id=case.id, kind=NoticeKind.CHANGE).one()


def _sign_by_enterprise(case, world):
    with stand_in_documents():
        agreement = workflow.agreements.open_agreements(case)[0]
        workflow.agreements.sign(agreement, world.users["owner"], signer_name="张三",
                                 signer_title="法定代表人", method="typed")


def _assigned_unsigned(case, world):
    with stand_in_documents():
        workflow.assign_agent(case, world.users["manager"], world.users["agent"])


# name: (the case to start from, what is done before, the verb, whether the case row changes)
IN_PROGRESS, SUBMITTED, ACCEPTED = "in_progress", "submitted", "accepted"
NOTHING = None
VERBS = {
    "step started": (IN_PROGRESS, NOTHING, lambda c, w: _step(c, w, "start"), False),
    "step edited": (IN_PROGRESS, lambda c, w: _step(c, w, "start"),
                    lambda c, w: _step(c, w, None, note="材料已收齐"), False),
    "step internal note": (IN_PROGRESS, NOTHING,
                           lambda c, w: _step(c, w, None, note="内部提醒", internal=True), False),
    "step filed": (IN_PROGRESS, lambda c, w: _step(c, w, "start"),
                   lambda c, w: _step(c, w, "submit"), False),
    "filing returned": (IN_PROGRESS, _filed,
                        lambda c, w: _step(c, w, "return", correction_request="补充材料"), False),
    "filing refiled": (IN_PROGRESS, _returned, lambda c, w: _step(c, w, "submit"), False),
    "step approved": (IN_PROGRESS, _filed,
                      lambda c, w: _step(c, w, "approve", permit_no="晋开审备〔2026〕58号"), False),
    "step refused": (IN_PROGRESS, _filed, lambda c, w: _step(
        c, w, "refuse", refusal_reason="不符合规划", refusal_decision_no="晋开不许〔2026〕1号"), False),
    "step not required": (IN_PROGRESS, NOTHING, lambda c, w: _step(
        c, w, "skip", not_required_reason="园区已统一办理"), False),
    "document": (IN_PROGRESS, NOTHING, lambda c, w: store_document(
        _upload(), kind="material", uploader=w.users["owner"], case=c), False),
    "step document": (IN_PROGRESS, NOTHING, lambda c, w: store_document(
        _upload(), kind="material", uploader=w.users["agent"], case=c, step=c.steps[0]), False),
    "message": (IN_PROGRESS, NOTHING,
                lambda c, w: workflow.post_message(c, w.users["owner"], "请问进度如何？"), False),
    "internal note": (IN_PROGRESS, NOTHING, lambda c, w: workflow.post_message(
        c, w.users["agent"], "内部备注", internal=True), False),
    "accepted": (SUBMITTED, NOTHING,
                 lambda c, w: workflow.accept_case(c, w.users["manager"]), True),
    "declined": (SUBMITTED, NOTHING,
                 lambda c, w: workflow.decline_case(c, w.users["manager"], "不属于代办范围"), True),
    "assigned": (ACCEPTED, NOTHING, _assigned_unsigned, True),
    "agreement signed": (ACCEPTED, _assigned_unsigned, _sign_by_enterprise, False),
    "agreement scan rejected": (ACCEPTED, lambda c, w: (_assigned_unsigned(c, w), paper_signing.upload_scan(
        c.agreements[0], w.users["owner"], _upload("signed.pdf"))), lambda c, w: paper_signing.reject_scan(
        c.agreements[0], w.users["manager"], "签字页不清晰"), False),
    "sealed": (ACCEPTED, _assigned_unsigned, lambda c, w: _sealed(c, w), True),
    "re-assigned": (IN_PROGRESS, NOTHING, _reassigned, True),
    "items added (supplement)": (IN_PROGRESS, NOTHING, lambda c, w: supplements.add_items(
        c, w.users["manager"], [make_item(w.centers[0], "取水许可", limit=20)]), True),
    "suspended": (IN_PROGRESS, NOTHING,
                  lambda c, w: workflow.suspend_case(c, w.users["manager"], "企业调整方案"), True),
    "resumed": (IN_PROGRESS, lambda c, w: workflow.suspend_case(c, w.users["manager"], "企业调整方案"),
                lambda c, w: workflow.resume_case(c, w.users["manager"]), True),
    "withdrawn": (IN_PROGRESS, NOTHING,
                  lambda c, w: workflow.withdraw_case(c, w.users["owner"], "项目取消"), True),
    "terminated": (IN_PROGRESS, NOTHING,
                   lambda c, w: workflow.terminate_case(c, w.users["manager"], "企业失联"), True),
    "completed": (IN_PROGRESS, _all_but_last_skipped, lambda c, w: _step(
        c, w, "skip", -1, not_required_reason="园区已统一办理"), True),
    "evaluated": (IN_PROGRESS, _completed, lambda c, w: quality.rate(
        c, w.users["owner"], grade=Grade.SATISFIED, efficiency=5, attitude=5, expertise=5), False),
    "evaluation edited": (IN_PROGRESS, _rated, lambda c, w: quality.edit(
        quality.evaluation_of(c), w.users["owner"], grade=Grade.VERY_SATISFIED, efficiency=5,
        attitude=5, expertise=5), False),
    "rectification answered": (IN_PROGRESS, lambda c, w: _rated(c, w, Grade.DISSATISFIED),
                               lambda c, w: quality.respond(
                                   quality.evaluation_of(c).rectification, w.users["manager"],
                                   response="已整改", outcome=Outcome.RECTIFIED), False),
    "notice corrected": (IN_PROGRESS, _reassigned, lambda c, w: notice_corrections.correct(
        _the_change_notice(c), w.users["manager"], "更正变更原因笔误"), False),
    "deadline moved by the calendar": (IN_PROGRESS, _filed, lambda c, w: calendar_changes.set_day(
        w.users["manager"], date(2026, 3, 5), DayKind.REST, "测试"), True),   # promised_on too
}


def _sealed(case, world):
    with stand_in_documents():
        sign_and_seal(case, world.users["owner"], world.users["manager"])


def _start(world, kind):
    if kind == SUBMITTED:
        return world.case(accepted=False)
    if kind == ACCEPTED:
        return world.case(agent=None)
    return world.case()


def ready_for(world, frozen_clock, name):
    """The case VERBS[name] acts on, prepared and committed on 2026-03-02 09:00."""
    kind, before, _verb, _case_row_changes = VERBS[name]
    frozen_clock(2026, 3, 2, 9)
    case = _start(world, kind)
    if before is not NOTHING:
        before(case, world)
    db.session.commit()
    return case


@pytest.mark.parametrize("name", list(VERBS))
def test_every_verb_advances_the_revision(world, frozen_clock, name):
    _kind, _before, verb, case_row_changes = VERBS[name]
    case = ready_for(world, frozen_clock, name)
    revision, changed_at, version = case.revision, case.changed_at, case.version
    frozen_clock(2026, 3, 3, 11)
    verb(case, world)
    db.session.commit()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.revision > revision and changed_at < case.changed_at == clock.now()
    if not case_row_changes:
        assert case.version == version, "the case form's lock moved without the case changing"


def test_a_case_is_advanced_once_a_transaction(world, frozen_clock):
    """Two moves and a message in one transaction: one UPDATE of the revision."""
    frozen_clock(2026, 3, 2)
    case = world.case()
    db.session.commit()
    revision = case.revision
    _step(case, world, "start")
    _step(case, world, "submit")
    workflow.post_message(case, world.users["agent"], "已报送")
    db.session.commit()
    assert db.session.get(Case, case.id).revision == revision + 1


def test_a_step_update_does_not_make_an_edit_of_the_case_conflict(world, frozen_clock):
    """A manager's form shows the case's version; an agent updates a step meanwhile: the
    manager's suspension still goes through (only the case's own changes conflict)."""
    frozen_clock(2026, 3, 2)
    case = world.case()
    db.session.commit()
    seen = case.version
    _step(case, world, "start")
    db.session.commit()
    workflow.suspend_case(case, world.users["manager"], "企业调整方案", seen_version=seen)
    db.session.commit()
    assert case.status.value == "suspended"


def test_a_rolled_back_change_leaves_the_revision(world, frozen_clock):
    frozen_clock(2026, 3, 2)
    case = world.case()
    db.session.commit()
    revision = case.revision
    workflow.post_message(case, world.users["owner"], "撤回的留言")
    db.session.rollback()
    workflow.post_message(case, world.users["owner"], "留言")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Case, case.id).revision == revision + 1


def test_verbs_audit_through_the_helper_that_advances_the_revision():
    """moves._audit_event (and _move) advance the revision of the event's case: no verb adds
    an AuditEvent of its own, but deadline_recompute, whose step events are written in bulk
    after it touched their cases itself (revision.touch)."""
    root = Path(workflow.__file__).parent
    direct = sorted(path.name for path in root.glob("*.py")
                    if "AuditEvent.record(" in path.read_text(encoding="utf-8"))
    assert direct == ["deadline_recompute.py", "moves.py"]
