"""A rejected paper scan says why where the enterprise looks: its agreement page shows the latest
rejection's reason and asks for the signed scan again; the notification says the same."""
import io
import re

import pytest
from sqlalchemy import select

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AgreementState, Notification
from proxy_service.workflow import agreements as signing

from .factories import PDF, ensure_seal

AS = AgreementState


@pytest.fixture
def agreement(world):
    case = world.case(signed=False)
    ensure_seal(case.center)
    db.session.commit()
    return signing.main_agreement(case)


def _upload(client, agreement, name="signed.pdf"):
    response = client.post(f"/agreements/{agreement.id}/paper",
                           data={"scan": (io.BytesIO(PDF), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302


def _reject(client, agreement, reason):
    response = client.post(f"/agreements/{agreement.id}/paper/reject", data={"reason": reason})
    assert response.status_code == 302 and agreement.state is AS.AWAITING_ENTERPRISE


def _progress_card(html):
    """The 签署进度 card's text, tags removed."""
    card = html[html.index('id="paper"'):html.index('id="signatures-title"')]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))


def test_the_agreement_page_shows_the_latest_rejection_and_asks_for_the_scan_again(
        client, login_as, world, agreement):
    owner, agent = world.users["owner"], world.users["agent"]
    login_as(owner)
    _upload(client, agreement)
    login_as(agent)
    _reject(client, agreement, "第3页缺少骑缝章")
    login_as(owner)
    card = _progress_card(client.get(f"/agreements/{agreement.id}").text)
    assert "纸质签署件未通过核对" in card and "第3页缺少骑缝章" in card
    assert "请按退回原因重新签字盖章后，再次上传扫描件" in card
    assert 'name="scan"' in client.get(f"/agreements/{agreement.id}").text   # the upload form
    # The notification leads to the case page's agreements: the reason is there too.
    case_page = client.get(f"/cases/{agreement.case_id}").text
    agreements = case_page[case_page.index('id="agreements"'):]
    assert "纸质签署件未通过核对，原因：第3页缺少骑缝章" in agreements[:agreements.index("</section>")]
    _upload(client, agreement, "again.pdf")          # waiting for the check: no old reason
    assert "第3页缺少骑缝章" not in _progress_card(client.get(f"/agreements/{agreement.id}").text)
    login_as(agent)
    _reject(client, agreement, "法定代表人未签字")
    for user in (owner, agent):                      # staff read the same on the page
        login_as(user)
        card = _progress_card(client.get(f"/agreements/{agreement.id}").text)
        assert "法定代表人未签字" in card and "第3页缺少骑缝章" not in card


def test_the_rejection_notification_gives_the_reason_and_asks_for_the_scan_again(
        client, login_as, world, agreement):
    owner = world.users["owner"]
    login_as(owner)
    _upload(client, agreement)
    login_as(world.users["agent"])
    _reject(client, agreement, "第3页缺少骑缝章。")
    (text,) = db.session.scalars(select(Notification.text).where(
        Notification.user_id == owner.id, Notification.kind == "agreement_ready",
        Notification.text.contains("未通过核对"))).all()
    case = agreement.case
    assert text == (f"案件 {case.number} 协议 {agreement.number} 的纸质签署件未通过核对，"
                    "原因：第3页缺少骑缝章。请按退回原因重新签字盖章后，再次上传扫描件。")


def test_a_regenerated_agreement_no_longer_shows_the_old_rejection(
        client, login_as, world, agreement):
    login_as(world.users["owner"])
    _upload(client, agreement)
    login_as(world.users["agent"])
    _reject(client, agreement, "第3页缺少骑缝章")
    # A re-assignment regenerates the text: a new revision, to sign afresh.
    workflow.assign_agent(agreement.case, world.users["manager"], world.users["other_agent"],
                          reason="人员调整")
    db.session.commit()
    login_as(world.users["owner"])
    assert "第3页缺少骑缝章" not in _progress_card(client.get(f"/agreements/{agreement.id}").text)


def test_templates_get_the_rejection_from_the_view_not_a_helper_that_queries(app):
    """Context processors hold pure predicates only (DESIGN.md §5): the case page's view
    reads the rejections from the events it loaded (review 2, D2)."""
    with app.test_request_context():
        context = {}
        app.update_template_context(context)
    # The predicate is one of permissions' (template globals), not a context processor's.
    assert "paper_rejection" not in context and "paper_rejection" not in app.jinja_env.globals
    assert "can_check_scan" in app.jinja_env.globals
