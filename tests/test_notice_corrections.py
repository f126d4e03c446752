"""Correcting an issued notice: a new revision with its reason; the earlier one stays as it was."""
import io

from pypdf import PdfReader

from proxy_service import workflow
from proxy_service.extensions import db
from proxy_service.models import AuditEvent, IssuedNotice, NoticeKind

from .test_notices import notice_links


def text(data):
    return "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


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
    response = client.post(correct_url(case, first), data={"reason": "代办员已更换", "revision": "1"})
    assert response.status_code == 302
    first_again, second = db.session.query(IssuedNotice).filter_by(
        kind=NoticeKind.MATERIALS).order_by(IssuedNotice.revision).all()
    assert first_again.data == original and client.get(
        f"/cases/{case.id}/notices/{first.id}.pdf").data == original
    assert (second.revision, second.reason, second.number) == (2, "代办员已更换", first.number)
    printed = text(second.data)
    assert "第2版" in printed and "更正原因：代办员已更换" in printed and "陈代办" in printed
    assert [t for t, _ in notice_links(client, case)] == ["一次性告知单", "一次性告知单", "代办员变更通知书"]
    assert "已更正" in client.get(f"/cases/{case.id}").text
    event = db.session.query(AuditEvent).filter_by(action="notice_correct").one()
    assert event.comment == f"一次性告知单 {first.number} 第2版：代办员已更换"


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
