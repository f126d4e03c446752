"""A closed month's report PDF is issued once and served as stored; a new version needs a
manager's reason and keeps the old one (issue 15, item 2)."""
import hashlib
import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select

from proxy_service.core import clock
from proxy_service.core.conflicts import StaleEdit
from proxy_service.core.extensions import db
from proxy_service.documents import common, monthly_report
from proxy_service.models import AuditEvent, DocumentBlob, MonthlyReport
from proxy_service.models.blobs import digest as blob_digest
from proxy_service.workflow import assignment
from proxy_service.workflow import reports as report_archive
from tests import factories


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
    users = world.users
    for user in users.values():   # on the staff since January (made at the real time)
        user.created_at = datetime(2026, 1, 5, tzinfo=UTC)
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


def _page(client, month="2026-11"):
    return client.get(f"/manage/report?month={month}").text


def test_the_page_of_a_closed_month_says_which_version_is_the_record(world, december,
                                                                      frozen_clock):
    """The page counts the month live from the history; once a version is stored it names
    that version as the record and says whether the figures still agree with it."""
    client, _ = december
    page = _page(client)
    assert "首次下载 PDF 时存档" in page and "以存档" not in page
    assert "此后的改派、审批不改变本报告" not in page   # corrections do change the page
    client.get("/manage/report.pdf?month=2026-11")
    page = _page(client)
    assert "以存档第 1 版为准" in page and "本页数据与存档第 1 版一致" in page
    assert "不一致" not in page
    # The figures are compared as printed (in Chinese), whatever the reader's language.
    world.users["manager"].locale = "en"
    db.session.commit()
    assert "The figures on this page agree with filed version 1." in _page(client)
    world.users["manager"].locale = "zh_CN"
    db.session.commit()
    # A paper application of 11-05 entered afterwards with its date: November now has two.
    frozen_clock(2026, 11, 5)
    factories.make_case(world.other_project, world.users["other_enterprise"], world.items)
    db.session.commit()
    frozen_clock(2026, 12, 10)
    page = _page(client)
    assert "以存档第 1 版为准" in page
    assert "本页数据与存档版本不一致，可说明原因后重新生成" in page
    assert _reissue(client, "补录11月5日纸质申请").status_code == 302
    page = _page(client)
    assert "以存档第 2 版为准" in page and "本页数据与存档第 2 版一致" in page


def test_a_version_that_carries_no_digest_is_said_to_be_uncompared(world, december):
    """A version stored before the PDFs carried their figures' digest cannot be compared."""
    client, _ = december
    report_archive.issue(world.centers[0].id, date(2026, 11, 1), world.users["manager"],
                         render=lambda *_: common.build_pdf([common.text("旧版")], title="月度报告",
                                                            header="中心"))
    db.session.commit()
    page = _page(client)
    assert "以存档第 1 版为准" in page and "未记录数据摘要" in page and "一致" not in page


def test_only_the_months_of_the_centers_records_have_a_report(world, december, login_as):
    """The center's records begin with its first case (11-02; in this world its staff were
    set up after it) or its first account, whichever came first. Earlier months, and months
    to come, have no report: nothing is stored, the page shows this month and says why."""
    client, _ = december
    for user in world.users.values():
        user.created_at = datetime(2026, 12, 1, 2, tzinfo=UTC)
    db.session.commit()
    for month in ("2026-10", "2000-01", "2027-01"):
        assert client.get(f"/manage/report.pdf?month={month}").status_code == 404
        assert client.post(f"/manage/report/reissue?month={month}",
                           data={"reason": "补发", "seen": "0"}).status_code == 404
        page = _page(client, month)
        assert "2026-12-01 — 2026-12-31" in page and "本中心的记录始于 2026-11" in page
        assert 'min="2026-11" max="2026-12"' in page
    assert _stored() == [] and db.session.scalar(select(AuditEvent).where(
        AuditEvent.action.in_(["report_issue", "report_reissue"]))) is None
    # A center with no case yet: its months begin with its first account's.
    world.users["other_manager"].created_at = datetime(2026, 11, 20, 2, tzinfo=UTC)
    db.session.commit()
    other = login_as(world.users["other_manager"])
    assert other.get("/manage/report.pdf?month=2026-10").status_code == 404
    assert other.get("/manage/report.pdf?month=2026-11").status_code == 200
    assert [(r.center_id, r.version) for r in _stored()] == [(world.centers[1].id, 1)]


def test_issuing_over_a_version_not_seen_is_a_stale_edit(world, december):
    """The rule "the version the page listed is still the latest" is the verb's."""
    client, _ = december
    client.get("/manage/report.pdf?month=2026-11")
    with pytest.raises(StaleEdit, match="已有新的版本"):
        report_archive.issue(world.centers[0].id, date(2026, 11, 1), world.users["manager"],
                             "更正", render=lambda *_: b"%PDF-1.4 new", seen_version="0")
    db.session.rollback()
    assert [report.version for report in _stored()] == [1]


def _stored_by_another_request(center, version, body):
    """The version another manager's request commits while this one renders (its own
    connection): this request's insert then meets the unique key."""
    with db.engine.begin() as other:
        other.execute(insert(DocumentBlob).values(sha256=blob_digest(body), size=len(body),
                                                  data=body, created_at=clock.now()))
        other.execute(insert(MonthlyReport).values(
            center_id=center.id, month=date(2026, 11, 1), version=version, reason="另一位经理",
            size=len(body), sha256=blob_digest(body), issued_at=clock.now()))


def test_the_first_version_stored_meanwhile_is_the_one_served(world, december, monkeypatch):
    client, _ = december
    theirs = b"%PDF-1.4 issued by the other request"

    def render(data, issue=None):
        _stored_by_another_request(world.centers[0], 1, theirs)
        return b"%PDF-1.4 this request's"
    monkeypatch.setattr(monthly_report, "render", render)
    response = client.get("/manage/report.pdf?month=2026-11")
    assert response.status_code == 200 and response.data == theirs
    assert [report.version for report in _stored()] == [1]
    # Nothing to warn about on the next page: the PDF asked for was served.
    assert "已有新的版本" not in client.get("/manage/report?month=2026-12").text


def test_a_reissue_that_meets_another_is_refused(world, december, monkeypatch):
    client, _ = december
    client.get("/manage/report.pdf?month=2026-11")

    def render(data, issue=None):
        _stored_by_another_request(world.centers[0], 2, b"%PDF-1.4 their second")
        return b"%PDF-1.4 my second"
    monkeypatch.setattr(monthly_report, "render", render)
    response = _reissue(client, "更正")
    assert response.status_code == 409 and "已有新的版本" in response.text
    assert [(report.version, report.reason) for report in _stored()] == [(1, ""), (2, "另一位经理")]
