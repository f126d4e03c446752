"""Notices of cases from before notices were stored: the migration renders each once, as of
its issue date from the audit history, or marks it as reconstructed where the history is silent."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    IssuedNotice,
    NoticeKind,
    NoticeOrigin,
    Step,
    StepStatus,
)
from proxy_service.workflow import notice_history, supplements

from .factories import make_item
from .test_notices import add_item, file_first_step, reassign, suspend, text

MIGRATION_DAY = datetime(2026, 12, 20, 2, tzinfo=UTC)


def _a_case_with_history(world, frozen_clock):
    frozen_clock(2026, 10, 13)
    case = world.case()
    frozen_clock(2026, 11, 25)
    suspend(world, case)
    frozen_clock(2026, 12, 7)
    workflow.resume_case(case, world.users["manager"])
    file_first_step(world, case)
    frozen_clock(2026, 12, 8)
    reassign(world, case)
    add_item(world, case)
    return case


def _as_before_the_migration():
    """The notices gone, as on a database from before they were stored."""
    db.session.query(IssuedNotice).delete()
    db.session.commit()


def _backfill():
    stored = notice_history.backfill(db.session.connection(), now=MIGRATION_DAY)
    db.session.commit()
    return {n.kind: n for n in db.session.query(IssuedNotice).order_by(IssuedNotice.id)}, stored


def test_each_notice_is_rendered_as_of_its_issue_date(world, frozen_clock):
    _a_case_with_history(world, frozen_clock)
    _as_before_the_migration()
    notices, stored = _backfill()
    assert stored == 3 and set(notices) == {NoticeKind.MATERIALS, NoticeKind.SUSPEND,
                                            NoticeKind.CHANGE}
    assert {n.origin for n in notices.values()} == {NoticeOrigin.HISTORY}
    materials = notices[NoticeKind.MATERIALS]
    assert materials.issued_at.astimezone(clock.BEIJING).date().isoformat() == "2026-10-13"
    printed = text(materials.data)
    assert "刘代办" in printed and "陈代办" not in printed and "取水许可" not in printed
    assert "日期：2026年10月13日" in printed and "系统升级时依据操作记录" in printed
    suspension = text(notices[NoticeKind.SUSPEND].data)
    assert "自2026年11月25日起中止代办服务" in suspension and "已报送审批" not in suspension
    change = text(notices[NoticeKind.CHANGE].data)
    assert "原代办员刘代办" in change and "新代办员陈代办" in change


def test_an_item_whose_name_holds_the_separator_is_found_in_the_log(world, frozen_clock):
    """供水、排水接入 added on 12-08 is named whole in the 追加事项 event (its names joined
    with 、): the 告知单 of 10-13 is read from the history, without it."""
    frozen_clock(2026, 10, 13)
    case = world.case()
    frozen_clock(2026, 12, 8)
    supplements.add_items(case, world.users["manager"], [make_item(world.centers[0], "供水、排水接入")])
    db.session.commit()
    _as_before_the_migration()
    notices, _ = _backfill()
    materials = notices[NoticeKind.MATERIALS]
    assert materials.origin is NoticeOrigin.HISTORY
    assert "排水接入" not in text(materials.data)


def test_what_the_history_cannot_say_is_reconstructed_and_says_so(world, frozen_clock):
    frozen_clock(2026, 10, 13)
    case = world.case()
    # A step moved without a trace in the audit log: how it stood on any day is unknown.
    db.session.execute(update(Step).where(Step.id == case.steps[0].id)
                       .values(status=StepStatus.PREPARING))
    frozen_clock(2026, 11, 25)
    suspend(world, case)
    _as_before_the_migration()
    notices, _ = _backfill()
    suspension = notices[NoticeKind.SUSPEND]
    assert suspension.origin is NoticeOrigin.RECONSTRUCTED and suspension.issued_at == MIGRATION_DAY
    printed = text(suspension.data)
    assert "补制" in printed and "日期：2026年12月20日" in printed
    assert "自2026年11月25日起中止代办服务" in printed   # the event's own date stays


@pytest.mark.parametrize("older", [False, True], ids=["step events", "older case events"])
def test_an_item_added_later_is_not_taken_for_a_longer_name_added_before(world, frozen_clock,
                                                                         older):
    """供水、排水接入 added on 11-02, 供水 only on 12-08: the 中止通知书 of 11-25 lists the
    first, not the second (供水 is a 、-part of the other's name)."""
    frozen_clock(2026, 10, 13)
    case = world.case()
    frozen_clock(2026, 11, 2)
    supplements.add_items(case, world.users["manager"], [make_item(world.centers[0], "供水、排水接入")])
    db.session.commit()
    frozen_clock(2026, 11, 25)
    suspend(world, case)
    frozen_clock(2026, 12, 8)
    workflow.resume_case(case, world.users["manager"])
    supplements.add_items(case, world.users["manager"], [make_item(world.centers[0], "供水")])
    db.session.commit()
    if older:    # one event on the case naming the items, as the code before step ids wrote
        db.session.execute(update(AuditEvent).where(AuditEvent.action == "add_items")
                           .values(object_type="case", object_id=case.id))
    _as_before_the_migration()
    notices, _ = _backfill()
    suspension = notices[NoticeKind.SUSPEND]
    assert suspension.origin is NoticeOrigin.HISTORY
    printed = text(suspension.data)
    assert "供水、排水接入" in printed and "供水" not in printed.replace("供水、排水接入", "")
