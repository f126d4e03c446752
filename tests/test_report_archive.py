"""A closed month's report PDF is issued once and served as stored; a new version needs a
manager's reason and keeps the old one (issue 15, item 2)."""
import hashlib
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from proxy_service.extensions import db
from proxy_service.models import AuditEvent, MonthlyReport


def _text(pdf):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def december(world, frozen_clock, login_as):
    """A case of 刘代办 since November; today is 2026-12-10, the manager logged in."""
    frozen_clock(2026, 11, 2)
    case = world.case()
    frozen_clock(2026, 12, 10)
    return login_as(world.users["manager"]), case


def _stored():
    return db.session.scalars(select(MonthlyReport).order_by(MonthlyReport.version)).all()


def test_a_closed_month_is_issued_once_and_served_as_stored(world, december):
    client, case = december
    first = client.get("/manage/report.pdf?month=2026-11")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    [report] = _stored()
    assert (report.version, report.reason, report.sha256) == (
        1, "", hashlib.sha256(first.data).hexdigest())
    assert "数据截至 2026-11-30 日终" in _text(first.data) and "第 1 版" in _text(first.data)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report_issue"))
    assert event.actor_id == world.users["manager"].id and report.sha256 in event.comment
    # The record moves on (the agent is renamed); the issued report does not.
    world.users["agent"].name = "刘改名"
    db.session.commit()
    again = client.get("/manage/report.pdf?month=2026-11")
    assert again.data == first.data and len(_stored()) == 1
    assert "刘代办" in _text(again.data)


def test_the_running_month_is_not_stored(december):
    client, _ = december
    response = client.get("/manage/report.pdf?month=2026-12")
    assert "本月尚未结束，数据截至 2026-12-10" in _text(response.data)
    assert _stored() == []
    page = client.get("/manage/report?month=2026-12").text
    assert 'id="report-versions"' not in page
    assert client.post("/manage/report/reissue?month=2026-12",
                       data={"reason": "更正", "seen": "0"}).status_code == 404


def _reissue(client, reason, seen="1"):
    return client.post("/manage/report/reissue?month=2026-11", data={"reason": reason, "seen": seen})


def test_reissuing_needs_a_reason_and_keeps_the_old_version(world, december):
    client, _ = december
    first = client.get("/manage/report.pdf?month=2026-11").data
    refused = _reissue(client, "  ")
    assert refused.status_code == 422 and "重新生成须说明原因" in refused.text
    assert len(_stored()) == 1
    world.users["agent"].name = "刘改名"
    db.session.commit()
    response = _reissue(client, "代办员更名后更正报告")
    assert response.status_code == 302
    old, new = _stored()
    assert (old.version, new.version, new.reason) == (1, 2, "代办员更名后更正报告")
    served = client.get("/manage/report.pdf?month=2026-11").data
    assert served != first and hashlib.sha256(served).hexdigest() == new.sha256
    assert "刘改名" in _text(served) and "重新生成原因：代办员更名后更正报告" in _text(served)
    assert client.get(f"/manage/report/versions/{old.id}.pdf").data == first
    page = client.get("/manage/report?month=2026-11").text
    listed = re.search(r'id="report-versions".*?</section>', page, re.S).group(0)
    assert "第 2 版" in listed and "第 1 版" in listed and "代办员更名后更正报告" in listed
    assert f"/manage/report/versions/{old.id}.pdf" in listed and old.sha256[:12] in listed
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report_reissue"))
    assert "代办员更名后更正报告" in event.comment and new.sha256 in event.comment


def test_a_version_issued_meanwhile_is_not_followed_blindly(december):
    """The form names the newest version it listed; another issued since answers 409."""
    client, _ = december
    client.get("/manage/report.pdf?month=2026-11")
    assert _reissue(client, "第一位经理的更正").status_code == 302
    late = _reissue(client, "第二位经理的更正", seen="1")
    assert late.status_code == 409 and "已有新的版本" in late.text
    assert [report.version for report in _stored()] == [1, 2]


def test_stored_versions_are_the_centers_own(world, december, login_as):
    client, _ = december
    client.get("/manage/report.pdf?month=2026-11")
    [report] = _stored()
    other = login_as(world.users["other_manager"])
    assert other.get(f"/manage/report/versions/{report.id}.pdf").status_code == 404
    agent = login_as(world.users["agent"])
    assert agent.get(f"/manage/report/versions/{report.id}.pdf").status_code == 403
    assert _reissue(agent, "无权").status_code == 403


def test_leave_is_shown_as_registered_by_the_months_end(world, frozen_clock, login_as):
    """休假状态 of November: 刘代办's leave over 11-30 (registered 11-20) shows; 陈代办's
    leave registered in December does not (it was not known on 11-30)."""
    from datetime import date, datetime, timezone

    from proxy_service import assignment
    users = world.users
    for user in users.values():   # on the staff since January (made at the real time)
        user.created_at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    frozen_clock(2026, 11, 20)
    assignment.record_absence(users["agent"], users["manager"], start_on=date(2026, 11, 27),
                              end_on=date(2026, 12, 4))
    frozen_clock(2026, 12, 3)
    assignment.record_absence(users["other_agent"], users["manager"], start_on=date(2026, 12, 14),
                              end_on=date(2026, 12, 18))
    db.session.commit()
    client = login_as(users["manager"])
    text = _text(client.get("/manage/report.pdf?month=2026-11").data)
    assert re.search(r"刘代办[\s\d—]*休假中", text) and re.search(r"陈代办[\s\d—]*在岗", text)
