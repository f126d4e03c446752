"""Managers verify enterprises against their licences and decide claims on a taken USCC."""
import hashlib

import pytest
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    ClaimStatus,
    Document,
    EnterpriseClaim,
    Role,
    Verification,
)
from proxy_service.workflow import enterprises

from . import factories

PDF = b"%PDF-1.4 licence"


def licence(enterprise, filename="营业执照.pdf"):
    doc = Document(enterprise_id=enterprise.id, kind="licence", filename=filename,
                   content_type="application/pdf", size=len(PDF),
                   sha256=hashlib.sha256(PDF).hexdigest(), data=PDF)
    db.session.add(doc)
    db.session.flush()
    return doc


def pending_enterprise(world, name="山西新锐材料有限公司", uscc="91140700MA0K1234X0", center=0):
    return factories.make_enterprise(world.centers[center], name, uscc, verified=False)


def make_claim(world, enterprise, username="claimer"):
    claimant = factories.make_user(username, Role.ENTERPRISE, name="孙七")
    doc = licence(enterprise, "认领执照.pdf")
    claim = EnterpriseClaim(enterprise=enterprise, claimant=claimant, claimed_name="绿碳环保（认领）",
                            legal_representative="张三", contact_person="孙七",
                            mobile="13700000000", licence_document_id=doc.id)
    db.session.add(claim)
    db.session.commit()
    return claim


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# --- access ------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("owner", 403), ("agent", 403), ("manager", 200)])
def test_verification_pages_are_for_managers(client, world, login_as, who, status):
    enterprise = world.enterprises[0]
    claim = make_claim(world, enterprise)
    login_as(world.users[who])
    for url in ("/admin/enterprises", f"/admin/enterprises/{enterprise.id}", "/admin/claims",
                f"/admin/claims/{claim.id}"):
        assert client.get(url).status_code == status, url


def test_anonymous_users_are_sent_to_login(client, world):
    for url in ("/admin/enterprises", f"/admin/enterprises/{world.enterprises[0].id}", "/admin/claims"):
        assert "/login" in client.get(url).headers["Location"], url


def test_other_center_sees_an_enterprise_only_once_it_asks_there_for_service(client, world, login_as):
    enterprise = world.enterprises[0]
    claim = make_claim(world, enterprise)
    login_as(world.users["other_manager"])
    assert client.get(f"/admin/enterprises/{enterprise.id}").status_code == 404
    assert client.post(f"/admin/enterprises/{enterprise.id}", data={"decision": "approve"}).status_code == 404
    assert client.get(f"/admin/claims/{claim.id}").status_code == 404
    assert enterprise.name not in client.get("/admin/enterprises?tab=all").text
    project = factories.make_project(enterprise, world.centers[1], "银川分厂项目")
    factories.make_case(project, world.users["owner"], world.other_items)
    db.session.commit()
    assert client.get(f"/admin/enterprises/{enterprise.id}").status_code == 200


def test_a_claim_is_seen_and_decided_only_in_the_enterprises_home_center(client, world,
                                                                        login_as):
    """Another center where the enterprise has a case sees the enterprise, never a claim on
    it: not the claimant's mobile, not the licence they filed, and no decision."""
    enterprise = world.enterprises[0]
    claim = make_claim(world, enterprise)
    project = factories.make_project(enterprise, world.centers[1], "银川分厂项目")
    factories.make_case(project, world.users["owner"], world.other_items)
    db.session.commit()
    login_as(world.users["other_manager"])
    page = client.get(f"/admin/enterprises/{enterprise.id}")
    assert page.status_code == 200 and "绿碳环保（认领）" not in page.text
    assert "绿碳环保（认领）" not in client.get("/admin/claims").text
    assert "13700000000" not in client.get("/admin/claims").text
    assert client.get(f"/admin/claims/{claim.id}").status_code == 404
    assert client.post(f"/admin/claims/{claim.id}", data={"decision": "approve"}).status_code == 404
    assert client.get(f"/documents/{claim.licence_document_id}").status_code == 404
    db.session.refresh(claim)
    assert claim.outcome is ClaimStatus.PENDING and claim.claimant.enterprise_id is None
    assert not events("claim_approve")
    login_as(world.users["manager"])   # the home center's manager decides it
    assert "13700000000" in client.get(f"/admin/claims/{claim.id}").text
    assert client.get(f"/documents/{claim.licence_document_id}").status_code == 200
    assert client.post(f"/admin/claims/{claim.id}", data={"decision": "approve"}).status_code == 302
    assert len(events("claim_approve")) == 1


# --- queue -----------------------------------------------------------------------

def test_queue_lists_pending_enterprises_with_their_licences(client, world, login_as):
    waiting = pending_enterprise(world)
    waiting.uscc_check_failed = True
    doc = licence(waiting)
    pending_enterprise(world, "银川某公司", center=1)   # registered with the other center
    db.session.commit()
    login_as(world.users["manager"])
    html = client.get("/admin/enterprises").text
    assert waiting.name in html and "91140700MA0K1234X0" in html and f'href="/documents/{doc.id}"' in html
    assert "校验位未通过，企业已确认" in html and "13912345678" in html
    assert world.enterprises[0].name not in html      # already verified
    assert "银川某公司" not in html


def test_all_tab_searches_by_name_and_uscc(client, world, login_as):
    pending_enterprise(world)
    db.session.commit()
    login_as(world.users["manager"])
    by_name = client.get("/admin/enterprises?tab=all&q=华丰").text
    assert "晋中华丰新能源有限公司" in by_name and "山西绿碳环保科技有限公司" not in by_name
    by_code = client.get("/admin/enterprises?tab=all&q=914403001922").text
    assert "山西绿碳环保科技有限公司" in by_code and "晋中华丰新能源有限公司" not in by_code
    assert "没有符合条件的企业" in client.get("/admin/enterprises?tab=all&q=%25").text


def test_queue_query_count_does_not_grow(client, world, login_as, count_queries):
    def add(start, stop):
        for n in range(start, stop):
            licence(pending_enterprise(world, f"待核验企业{n:02d}"))
        db.session.commit()
    add(0, 5)
    login_as(world.users["manager"])
    db.session.expire_all()   # both counts start from the same (cold) session
    with count_queries() as few:
        assert client.get("/admin/enterprises").status_code == 200
    add(5, 50)
    db.session.expire_all()
    with count_queries() as many:
        assert "共 50 条" in client.get("/admin/enterprises").text
    assert many.count == few.count


# --- verify ----------------------------------------------------------------------

def test_approving_verifies_the_enterprise_and_is_audited(client, world, login_as):
    enterprise = pending_enterprise(world)
    db.session.commit()
    login_as(world.users["manager"])
    response = client.post(f"/admin/enterprises/{enterprise.id}",
                           data={"decision": "approve", "version": enterprise.version})
    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.verification is Verification.VERIFIED
    assert enterprise.verified_by_id == world.users["manager"].id
    [event] = events("verify")
    assert (event.enterprise_id, event.from_status, event.to_status) == (enterprise.id, "pending", "verified")


def test_rejecting_needs_a_reason(client, world, login_as):
    enterprise = pending_enterprise(world)
    db.session.commit()
    login_as(world.users["manager"])
    response = client.post(f"/admin/enterprises/{enterprise.id}", data={"decision": "reject", "note": " "})
    assert response.status_code == 422 and "不通过须说明原因" in response.text
    assert enterprise.verification is Verification.PENDING and events("reject") == []
    client.post(f"/admin/enterprises/{enterprise.id}", data={"decision": "reject", "note": "执照照片模糊"})
    db.session.refresh(enterprise)
    assert enterprise.verification is Verification.REJECTED
    assert enterprise.verification_note == "执照照片模糊"
    assert [e.comment for e in events("reject")] == ["执照照片模糊"]


def test_a_stale_form_saves_nothing(client, world, login_as):
    enterprise = pending_enterprise(world)
    db.session.commit()
    seen = enterprise.version
    login_as(world.users["manager"])
    client.post(f"/admin/enterprises/{enterprise.id}", data={"decision": "reject", "note": "缺副本"})
    response = client.post(f"/admin/enterprises/{enterprise.id}",
                           data={"decision": "approve", "version": seen})
    assert response.status_code == 409 and "已被他人修改" in response.text
    db.session.refresh(enterprise)
    assert enterprise.verification is Verification.REJECTED and events("verify") == []


def test_approving_twice_is_refused_with_a_message(client, world, login_as):
    enterprise = world.enterprises[0]
    login_as(world.users["manager"])
    response = client.post(f"/admin/enterprises/{enterprise.id}", data={"decision": "approve"},
                           follow_redirects=True)
    assert "该企业已核验" in response.text and events("verify") == []


@pytest.mark.parametrize("start, approve, end", [
    (Verification.REJECTED, True, Verification.VERIFIED),    # a better licence uploaded
    (Verification.VERIFIED, False, Verification.REJECTED),   # the licence turned out revoked
    (Verification.REJECTED, False, Verification.REJECTED),   # the reason restated
])
def test_verification_follows_its_table_and_audits_from_and_to(world, start, approve, end):
    enterprise = pending_enterprise(world)
    enterprise.verification = start
    db.session.commit()
    enterprises.verify_enterprise(enterprise, world.users["manager"], approve=approve,
                                  note="" if approve else "执照已吊销")
    db.session.commit()
    assert enterprise.verification is end
    [event] = events("verify" if approve else "reject")
    assert (event.from_status, event.to_status) == (start.value, end.value)


def test_a_claim_decision_is_audited_on_its_enterprise_from_pending(client, world, login_as):
    claim = make_claim(world, world.enterprises[0])
    login_as(world.users["manager"])
    client.post(f"/admin/claims/{claim.id}", data={"decision": "approve"})
    [event] = events("claim_approve")
    assert (event.object_type, event.object_id, event.enterprise_id) == (
        "enterprise", world.enterprises[0].id, world.enterprises[0].id)
    assert (event.from_status, event.to_status) == ("pending", "approved")
    assert event.comment == "claimer："


# --- claims ----------------------------------------------------------------------

def test_claim_list_shows_existing_and_claimed_data(client, world, login_as):
    enterprise = world.enterprises[0]
    own = licence(enterprise)
    claim = make_claim(world, enterprise)
    login_as(world.users["manager"])
    html = client.get("/admin/claims").text
    assert "绿碳环保（认领）" in html and "claimer" in html and enterprise.name in html
    assert f'href="/documents/{claim.licence_document_id}"' in html
    detail = client.get(f"/admin/claims/{claim.id}").text
    assert "13700000000" in detail and "13912345678" in detail
    assert detail.count(f'href="/documents/{claim.licence_document_id}"') == 1
    assert f'href="/documents/{own.id}"' in detail


def test_a_claimants_licence_is_not_shown_as_the_enterprises_own(client, world, login_as):
    enterprise = pending_enterprise(world)
    claim = make_claim(world, enterprise)
    login_as(world.users["manager"])
    for url in ("/admin/enterprises", f"/admin/enterprises/{enterprise.id}"):
        html = client.get(url).text
        assert enterprise.name in html and f'href="/documents/{claim.licence_document_id}"' not in html
    assert "有其他用户申请认领该企业" in client.get(f"/admin/enterprises/{enterprise.id}").text


def test_approving_a_claim_moves_the_claimant_into_the_enterprise(client, world, login_as):
    claim = make_claim(world, world.enterprises[0])
    login_as(world.users["manager"])
    assert client.post(f"/admin/claims/{claim.id}", data={"decision": "approve"}).status_code == 302
    db.session.refresh(claim)
    assert claim.outcome is ClaimStatus.APPROVED
    assert claim.claimant.enterprise_id == world.enterprises[0].id
    assert len(events("claim_approve")) == 1
    assert "绿碳环保（认领）" not in client.get("/admin/claims").text


def test_rejecting_a_claim_needs_a_reason_and_leaves_the_claimant_out(client, world, login_as):
    claim = make_claim(world, world.enterprises[0])
    login_as(world.users["manager"])
    refused = client.post(f"/admin/claims/{claim.id}", data={"decision": "reject"})
    assert refused.status_code == 422 and "不通过须说明原因" in refused.text
    client.post(f"/admin/claims/{claim.id}", data={"decision": "reject", "note": "法定代表人不符"})
    db.session.refresh(claim)
    assert claim.outcome is ClaimStatus.REJECTED and claim.claimant.enterprise_id is None
    assert len(events("claim_reject")) == 1
    again = client.post(f"/admin/claims/{claim.id}", data={"decision": "approve"}, follow_redirects=True)
    assert "该认领申请已处理" in again.text and claim.claimant.enterprise_id is None


def test_claim_list_query_count_does_not_grow(client, world, login_as, count_queries):
    def add(start, stop):
        for n in range(start, stop):
            make_claim(world, pending_enterprise(world, f"被认领企业{n:02d}"), f"claimer{n:02d}")
    add(0, 5)
    login_as(world.users["manager"])
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/admin/claims").status_code == 200
    add(5, 50)
    db.session.expire_all()
    with count_queries() as many:
        assert "共 50 条" in client.get("/admin/claims").text
    assert many.count == few.count


def test_a_decision_must_be_chosen(client, world, login_as):
    enterprise = pending_enterprise(world)
    db.session.commit()
    login_as(world.users["manager"])
    for data in ({}, {"decision": "maybe", "note": "?"}):
        response = client.post(f"/admin/enterprises/{enterprise.id}", data=data)
        assert response.status_code == 422 and "请选择处理结果" in response.text
    assert enterprise.verification is Verification.PENDING
