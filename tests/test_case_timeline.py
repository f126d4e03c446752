"""The case page's timeline shows the latest 20 events and links to the whole log, a page
scoped as the case page (cases/timeline.py)."""
import io
import re
from datetime import timedelta

import pytest

from proxy_service.cases.timeline import LATEST
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import AgreementState, AuditEvent
from proxy_service.workflow import agreements as signing

from .factories import PDF, ensure_seal


def add_notes(case, actor, count, internal=False, start=0):
    """`count` events on `case`, one minute apart after everything before, numbered."""
    at = clock.now() + timedelta(days=1)
    for i in range(start, start + count):
        event = AuditEvent.record(actor, case, "message", comment=f"第{i:02d}条留言",
                                  internal=internal)
        event.at = at + timedelta(minutes=i)
        db.session.add(event)
    db.session.commit()


def timeline_of(html):
    return html[html.index('id="timeline"'):]


def entries(html):
    return re.findall(r"第(\d\d)条留言", timeline_of(html))


def test_the_case_page_shows_the_latest_events_and_links_to_the_whole_log(client, world, login_as):
    case = world.case()
    add_notes(case, world.users["owner"], 30)
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").text
    assert entries(page) == [f"{i:02d}" for i in range(30 - LATEST, 30)]   # oldest first
    assert "提交代办申请" not in timeline_of(page)        # the case's first event is older
    assert "仅显示最近 20 条记录。" in page
    assert f'href="/cases/{case.id}/log"' in page

    log = client.get(f"/cases/{case.id}/log")
    assert log.status_code == 200
    assert entries(log.text) == [f"{i:02d}" for i in range(30)]
    assert "提交代办申请" in timeline_of(log.text) and "仅显示最近" not in log.text


def test_a_short_timeline_has_no_link(client, world, login_as):
    case = world.case()
    add_notes(case, world.users["owner"], 2)
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").text
    assert "提交代办申请" in timeline_of(page) and entries(page) == ["00", "01"]
    assert f"/cases/{case.id}/log" not in page


def test_the_latest_count_among_the_events_the_user_reads(client, world, login_as):
    """Internal events are the staff's: the enterprise's latest 20 are of the others."""
    case = world.case()
    add_notes(case, world.users["owner"], 25)
    add_notes(case, world.users["agent"], 10, internal=True, start=25)
    login_as(world.users["owner"])
    assert entries(client.get(f"/cases/{case.id}").text) == [f"{i:02d}" for i in range(5, 25)]
    assert entries(client.get(f"/cases/{case.id}/log").text) == [f"{i:02d}" for i in range(25)]
    login_as(world.users["agent"])
    assert entries(client.get(f"/cases/{case.id}").text) == [f"{i:02d}" for i in range(15, 35)]
    log = client.get(f"/cases/{case.id}/log").text
    assert entries(log) == [f"{i:02d}" for i in range(35)] and "内部" in log


@pytest.mark.parametrize("who, status", [("owner", 200), ("other_enterprise", 404),
                                         ("agent", 200), ("other_agent", 404),
                                         ("manager", 200), ("other_manager", 404)])
def test_the_whole_log_is_scoped_as_the_case_page(client, world, login_as, who, status):
    case = world.case()
    db.session.commit()
    login_as(world.users[who])
    assert client.get(f"/cases/{case.id}").status_code == status
    assert client.get(f"/cases/{case.id}/log").status_code == status


def test_a_rejected_scan_older_than_the_latest_events_still_says_why(client, world, login_as):
    """The agreement card reads the rejection from the timeline's events; when it is older
    than the latest 20, it is looked up."""
    case = world.case(signed=False)
    ensure_seal(case.center)
    db.session.commit()
    agreement = signing.main_agreement(case)
    login_as(world.users["owner"])
    assert client.post(f"/agreements/{agreement.id}/paper", data={"scan": (io.BytesIO(PDF), "s.pdf")},
                       content_type="multipart/form-data").status_code == 302
    login_as(world.users["agent"])
    assert client.post(f"/agreements/{agreement.id}/paper/reject",
                       data={"reason": "第3页缺少骑缝章"}).status_code == 302
    assert agreement.state is AgreementState.AWAITING_ENTERPRISE
    add_notes(case, world.users["owner"], LATEST + 5)
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").text
    assert "仅显示最近" in page and "第3页缺少骑缝章" not in timeline_of(page)
    agreements = page[page.index('id="agreements"'):]
    assert "纸质签署件未通过核对，原因：第3页缺少骑缝章" in agreements[:agreements.index("</section>")]

