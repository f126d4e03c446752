"""Signing the agreement: online by both parties with re-authentication, regeneration,
on paper, sealing, immutability and who may see what."""
import base64
import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from proxy_service import permissions, workflow
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.documents.seal import center_certificate, check_seal
from proxy_service.identity.reauth import verify_reauth
from proxy_service.models import (
    Absence,
    AgreementState,
    AuditEvent,
    CaseStatus,
    Document,
    Signature,
    Stage,
    StepStatus,
    User,
)
from proxy_service.workflow import agreements as signing
from proxy_service.workflow import enterprises, paper_signing, supplements

from .factories import PASSWORD, PDF, ensure_seal, make_item, staff_code

AS = AgreementState


@pytest.fixture
def case(world):
    case = world.case(signed=False)
    ensure_seal(case.center)
    db.session.commit()
    return case


def pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def agreement_of(case):
    return signing.main_agreement(case)


def sign_form(**overrides):
    data = {"signer_name": "张三", "signer_title": "法定代表人", "method": "typed",
            "confirm_read": "y", "password": PASSWORD, "code": staff_code()}
    data.update(overrides)
    return data


def drawn_signature(size=(400, 150)):
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((0, 0, 0, 255), (40, 60, 300, 70))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def post_sign(client, agreement, **overrides):
    return client.post(f"/agreements/{agreement.id}/sign", data=sign_form(**overrides),
                       headers={"User-Agent": "TestBrowser/1.0"})


def test_accept_and_assign_lands_in_signing_with_an_agreement(case):
    assert case.status is CaseStatus.SIGNING
    agreement = agreement_of(case)
    assert agreement.state is AS.AWAITING_ENTERPRISE
    assert {step.agreement_id for step in case.steps} == {agreement.id}
    assert all(workflow.step_actions(step) == [] for step in case.steps)


def test_both_parties_sign_and_the_center_seals(client, login_as, world, case):
    agreement = agreement_of(case)
    login_as(world.users["owner"])
    assert post_sign(client, agreement, method="drawn", signature=drawn_signature()).status_code == 302
    assert agreement.state is AS.AWAITING_CENTER and case.status is CaseStatus.SIGNING
    login_as(world.users["manager"])
    assert post_sign(client, agreement, signer_name="王经理", signer_title="主任").status_code == 302
    assert agreement.state is AS.SEALED and case.status is CaseStatus.IN_PROGRESS
    first, second = agreement.signatures
    assert (first.party, first.method, first.user_id) == ("enterprise", "drawn", world.users["owner"].id)
    assert first.image.startswith(b"\x89PNG") and second.image is None
    assert (second.party, second.method, second.signer_name) == ("center", "typed", "王经理")
    for signature in (first, second):
        assert signature.ip_address == "127.0.0.1" and signature.user_agent == "TestBrowser/1.0"
        assert signature.document_sha256 == agreement.unsigned_sha256 and signature.signed_at
    assert agreement.final_sha256 == signing.sha256(agreement.final_pdf)
    seal = check_seal(agreement.final_pdf, [center_certificate(case.center)])
    assert seal.intact and seal.trusted
    assert workflow.step_actions(case.steps[0]) == ["start", "skip"]


def test_a_wrong_password_records_nothing(client, login_as, world, case):
    agreement = agreement_of(case)
    login_as(world.users["owner"])
    response = post_sign(client, agreement, password="wrong-password")
    assert response.status_code == 422
    assert "密码不正确" in response.get_data(as_text=True)
    assert agreement.signatures == [] and agreement.state is AS.AWAITING_ENTERPRISE


@pytest.mark.parametrize("missing", ["password", "confirm_read", "signer_name", "signer_title"])
def test_the_form_needs_every_confirmation(client, login_as, world, case, missing):
    login_as(world.users["owner"])
    response = post_sign(client, agreement_of(case), **{missing: ""})
    assert response.status_code == 422
    assert db.session.scalar(select(Signature.id)) is None


@pytest.mark.parametrize("signature", ["", "data:image/png;base64,notbase64!",
                                       "data:image/jpeg;base64,/9j/4AAQ",
                                       "TOO_SMALL", "BLANK"])
def test_a_drawn_signature_must_be_a_sane_png(client, login_as, world, case, signature):
    if signature == "TOO_SMALL":
        signature = drawn_signature((20, 10))
    if signature == "BLANK":
        image, out = Image.new("RGBA", (400, 150), (255, 255, 255, 255)), io.BytesIO()
        image.save(out, format="PNG")
        signature = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    login_as(world.users["owner"])
    response = post_sign(client, agreement_of(case), method="drawn", signature=signature)
    assert response.status_code == 422
    assert db.session.scalar(select(Signature.id)) is None


def test_the_center_cannot_sign_first_nor_the_enterprise_twice(client, login_as, world, case):
    agreement = agreement_of(case)
    login_as(world.users["manager"])
    post_sign(client, agreement)
    assert agreement.signatures == []
    login_as(world.users["owner"])
    post_sign(client, agreement)
    post_sign(client, agreement)
    assert len(agreement.signatures) == 1 and agreement.state is AS.AWAITING_CENTER


def test_the_center_setting_names_who_counter_signs(client, login_as, world, case):
    case.center.countersign_role = "agent"
    agreement = agreement_of(case)
    signing.sign(agreement, world.users["owner"], signer_name="张三", signer_title="法定代表人",
                 method="typed")
    db.session.commit()
    for outsider in ("manager", "other_agent"):
        login_as(world.users[outsider])
        post_sign(client, agreement)
        assert agreement.state is AS.AWAITING_CENTER, outsider
    login_as(world.users["agent"])
    post_sign(client, agreement, signer_name="刘代办", signer_title="代办员")
    assert agreement.state is AS.SEALED


def test_a_countersign_setting_saved_meanwhile_is_not_overwritten(client, login_as, world):
    center = world.centers[0]
    login_as(world.users["manager"])
    page = client.get("/agreements/template").text
    seen = int(re.search(r'name="version"[^>]*value="(\d+)"', page).group(1))
    center.countersign_role = "agent"   # the other manager saved first
    db.session.commit()
    response = client.post("/agreements/countersign-role",
                           data={"countersign_role": "manager", "version": str(seen)})
    assert response.status_code == 409 and "该记录在您编辑期间已被他人修改" in response.text
    assert '<option selected value="manager">' in response.text   # the choice is still shown
    assert 'action="/agreements/template"' in response.text
    db.session.refresh(center)
    assert (center.countersign_role, center.version) == ("agent", seen + 1)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "template_edit")) is None
    forged = client.post("/agreements/countersign-role", data={"countersign_role": "manager",
                                                               "version": "x"})
    assert forged.status_code == 422 and "表单已失效" in forged.text
    saved = client.post("/agreements/countersign-role",
                        data={"countersign_role": "manager", "version": str(seen + 1)})
    assert saved.status_code == 302
    db.session.refresh(center)
    assert (center.countersign_role, center.version) == ("manager", seen + 2)


def test_steps_cannot_start_before_sealing(world, case):
    step = case.steps[0]
    with pytest.raises(workflow.TransitionError):
        workflow.update_step(step, world.users["agent"], seen_version=step.version, action="start")
    assert step.status is StepStatus.PENDING


def test_reassignment_before_sealing_regenerates_and_voids_signatures(world, case):
    agreement = agreement_of(case)
    signing.sign(agreement, world.users["owner"], signer_name="张三", signer_title="法定代表人",
                 method="typed")
    before = agreement.unsigned_sha256
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], reason="调整")
    assert agreement.revision == 2 and agreement.unsigned_sha256 != before
    assert agreement.state is AS.AWAITING_ENTERPRISE
    assert [s.voided for s in agreement.signatures] == [True]
    assert "陈代办" in pdf_text(agreement.unsigned_pdf)
    assert signing.render_unsigned(agreement) == agreement.unsigned_pdf


def test_a_project_edit_regenerates_an_unsealed_agreement(world, case):
    agreement = agreement_of(case)
    signing.sign(agreement, world.users["owner"], signer_name="张三", signer_title="法定代表人",
                 method="typed")
    project = case.project
    enterprises.update_project(project, world.users["owner"], {"content": "改为建设研发中心"},
                               project.version)
    assert agreement.revision == 2 and agreement.signatures[0].voided
    assert agreement.state is AS.AWAITING_ENTERPRISE


def test_an_unchanged_edit_keeps_the_signatures(world, case):
    agreement = agreement_of(case)
    signing.sign(agreement, world.users["owner"], signer_name="张三", signer_title="法定代表人",
                 method="typed")
    assert signing.refresh(case, world.users["manager"]) == []
    assert agreement.state is AS.AWAITING_CENTER and not agreement.signatures[0].voided


def test_a_sealed_agreement_is_never_touched_again(world):
    case = world.case()
    agreement = agreement_of(case)
    final, unsigned = agreement.final_pdf, agreement.unsigned_pdf
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], reason="调整")
    enterprises.update_contact(case.enterprise, world.users["owner"],
                               {"contact_person": "周七", "mobile": "13700000000", "email": "",
                                "address": "新地址"}, case.enterprise.version)
    db.session.commit()
    db.session.refresh(agreement)
    assert agreement.state is AS.SEALED and agreement.revision == 1
    assert (agreement.final_pdf, agreement.unsigned_pdf) == (final, unsigned)


def test_ending_the_case_voids_the_open_agreement(client, login_as, world, case):
    workflow.terminate_case(case, world.users["manager"], "企业项目取消")
    agreement = agreement_of(case) or case.agreements[0]
    assert agreement.state is AS.VOID and agreement.void_reason == "企业项目取消"
    db.session.commit()
    login_as(world.users["owner"])
    post_sign(client, agreement)
    assert agreement.signatures == []


# --- on paper -------------------------------------------------------------------

def upload_scan(client, agreement, name="signed.pdf", data=PDF):
    return client.post(f"/agreements/{agreement.id}/paper",
                       data={"scan": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_signing_on_paper(client, login_as, world, case):
    agreement = agreement_of(case)
    login_as(world.users["owner"])
    assert upload_scan(client, agreement).status_code == 302
    assert agreement.state is AS.AWAITING_PAPER_CHECK
    login_as(world.users["agent"])
    response = client.post(f"/agreements/{agreement.id}/paper/reject", data={"reason": "缺少骑缝章"})
    assert response.status_code == 302 and agreement.state is AS.AWAITING_ENTERPRISE
    assert upload_scan(client, agreement, "again.pdf").status_code == 302   # the agent, on its behalf
    confirm = {"signer_name": "张三", "signer_title": "法定代表人", "confirm_match": "y",
               "code": staff_code()}
    response = client.post(f"/agreements/{agreement.id}/paper/confirm",
                           data=dict(confirm, password="wrong"))
    assert response.status_code == 422 and agreement.state is AS.AWAITING_PAPER_CHECK
    client.post(f"/agreements/{agreement.id}/paper/confirm", data=dict(confirm, password=PASSWORD))
    assert agreement.state is AS.AWAITING_CENTER and agreement.signed_on_paper
    assert agreement.signatures[0].method == "paper"
    login_as(world.users["manager"])
    post_sign(client, agreement, signer_name="王经理", signer_title="主任")
    assert agreement.state is AS.SEALED and case.status is CaseStatus.IN_PROGRESS
    scans = db.session.scalars(select(Document).where(Document.kind == "agreement_scan")
                               .order_by(Document.id)).all()
    assert [d.filename for d in scans] == ["signed.pdf", "again.pdf"]
    assert db.session.get(Document, agreement.paper_scan_id).filename == "again.pdf"
    assert check_seal(agreement.final_pdf, [center_certificate(case.center)]).intact


def test_the_signing_record_names_who_checked_the_scan_and_when(world, case, frozen_clock):
    agreement = agreement_of(case)
    scan = FileStorage(io.BytesIO(PDF), filename="signed.pdf")
    paper_signing.upload_scan(agreement, world.users["owner"], scan)
    frozen_clock(2026, 3, 5, hour=14)
    paper_signing.confirm_scan(agreement, world.users["agent"], signer_name="张三",
                               signer_title="法定代表人")
    signing.sign(agreement, world.users["manager"], signer_name="王经理", signer_title="主任",
                 method="typed")
    record = "".join(pdf_text(agreement.final_pdf).split("签署记录")[-1].split())
    assert "扫描件核对" in record
    assert "刘代办（代办员）于2026-03-0514:00:00（北京时间）核对扫描件与原件一致" in record


def test_the_enterprise_cannot_confirm_its_own_scan(client, login_as, world, case):
    agreement = agreement_of(case)
    login_as(world.users["owner"])
    upload_scan(client, agreement)
    client.post(f"/agreements/{agreement.id}/paper/confirm", data={
        "signer_name": "张三", "signer_title": "法定代表人", "confirm_match": "y",
        "password": PASSWORD})
    assert agreement.state is AS.AWAITING_PAPER_CHECK and agreement.signatures == []


def test_a_scan_of_another_type_is_refused(client, login_as, world, case):
    login_as(world.users["owner"])
    response = upload_scan(client, agreement_of(case), "scan.pdf", b"GIF89a not a pdf")
    assert response.status_code == 422
    assert agreement_of(case).state is AS.AWAITING_ENTERPRISE


# --- who sees what -----------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("owner", 200), ("agent", 200), ("manager", 200),
                                         ("other_enterprise", 404), ("other_agent", 404),
                                         ("other_manager", 404)])
def test_agreement_pages_are_scoped(client, login_as, world, case, who, status):
    agreement = agreement_of(case)
    login_as(world.users[who])
    for url in (f"/agreements/{agreement.id}", f"/agreements/{agreement.id}/pdf"):
        assert client.get(url).status_code == status, url
    if status == 404:
        assert post_sign(client, agreement).status_code == 404
        assert upload_scan(client, agreement).status_code == 404
        assert agreement.signatures == [] and agreement.paper_scan_id is None


def test_the_pdf_is_shown_inline_or_downloaded(client, login_as, world, case):
    agreement = agreement_of(case)
    login_as(world.users["owner"])
    inline = client.get(f"/agreements/{agreement.id}/pdf")
    assert inline.mimetype == "application/pdf" and inline.data == agreement.unsigned_pdf
    assert "attachment" not in inline.headers.get("Content-Disposition", "")
    download = client.get(f"/agreements/{agreement.id}/pdf?download=1")
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_the_case_page_links_the_agreement_and_the_sign_form(client, login_as, world, case):
    agreement = agreement_of(case)
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert agreement.number in page and f"/agreements/{agreement.id}/sign" in page
    sign_page = client.get(f"/agreements/{agreement.id}/sign").get_data(as_text=True)
    assert "signature_pad" in sign_page and 'name="password"' in sign_page


# --- the enterprise's electronic seal ------------------------------------------------

def png_bytes(size=(300, 300), color=(200, 0, 0, 255)):
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste(color, (20, 20, size[0] - 20, size[1] - 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_an_enterprise_uploads_its_seal_and_signs_with_it(client, login_as, world, case):
    login_as(world.users["owner"])
    client.post("/enterprise/seal", data={"seal": (io.BytesIO(png_bytes()), "seal.png")},
                content_type="multipart/form-data")
    assert case.enterprise.seal_image.startswith(b"\x89PNG")
    post_sign(client, agreement_of(case), use_seal="y")
    assert agreement_of(case).signatures[0].seal_image == case.enterprise.seal_image


@pytest.mark.parametrize("name, data", [("seal.jpg", b"\xff\xd8\xff\xe0 jpeg"),
                                        ("seal.png", b"\x89PNG\r\n\x1a\n broken"),
                                        ("seal.png", "SMALL")])
def test_a_bad_seal_image_is_refused(client, login_as, world, name, data):
    data = png_bytes((50, 50)) if data == "SMALL" else data
    login_as(world.users["owner"])
    client.post("/enterprise/seal", data={"seal": (io.BytesIO(data), name)},
                content_type="multipart/form-data")
    assert world.enterprises[0].seal_image is None


def test_reauth_helper_checks_the_password(world):
    user = db.session.get(User, world.users["owner"].id)
    assert verify_reauth(user, PASSWORD) and not verify_reauth(user, "nope")
    assert not verify_reauth(user, "")


def test_a_substitute_agent_checks_the_scan_of_an_absent_colleagues_case(
        client, login_as, world, case):
    """Substitutes are honoured as on steps: while 刘代办 is away, 陈代办 (the substitute) checks
    the scan and may export the dossier; before the absence, neither."""
    agreement, substitute = agreement_of(case), world.users["other_agent"]
    login_as(world.users["owner"])
    upload_scan(client, agreement)
    assert not permissions.can_check_scan(substitute, case)
    assert not permissions.can_export_dossier(substitute, case)
    today = clock.today()
    db.session.add(Absence(center_id=case.center_id, agent=world.users["agent"],
                           substitute=substitute, start_on=today - timedelta(days=1),
                           end_on=today + timedelta(days=3), reason="年假"))
    db.session.commit()
    assert permissions.can_export_dossier(substitute, case)
    login_as(substitute)
    assert "确认纸质签署" in client.get(f"/agreements/{agreement.id}").text
    client.post(f"/agreements/{agreement.id}/paper/confirm", data={
        "signer_name": "张三", "signer_title": "法定代表人", "confirm_match": "y",
        "password": PASSWORD, "code": staff_code()})
    assert agreement.state is AS.AWAITING_CENTER
    assert agreement.signatures[0].user_id == substitute.id


def test_every_agreement_move_is_audited_from_to(client, login_as, world, case):
    """generate, paper upload / reject / confirm, the center's signature and seal, a
    regeneration and a void (of a supplement) each record the state before and after."""
    agreement = agreement_of(case)
    login_as(world.users["owner"])
    upload_scan(client, agreement)
    login_as(world.users["agent"])
    client.post(f"/agreements/{agreement.id}/paper/reject", data={"reason": "缺少骑缝章"})
    upload_scan(client, agreement, "again.pdf")
    client.post(f"/agreements/{agreement.id}/paper/confirm", data={
        "signer_name": "张三", "signer_title": "法定代表人", "confirm_match": "y",
        "password": PASSWORD, "code": staff_code()})
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], reason="调整")
    signing.sign(agreement, world.users["owner"], signer_name="张三", signer_title="法定代表人",
                 method="typed")
    signing.sign(agreement, world.users["manager"], signer_name="王经理", signer_title="主任",
                 method="typed")
    extra = make_item(case.center, "供水接入", Stage.UTILITIES, sort=9)
    supplement = supplements.add_items(case, world.users["manager"], [extra])
    workflow.terminate_case(case, world.users["manager"], "企业项目取消")
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "agreement",
        AuditEvent.object_id.in_([agreement.id, supplement.id])).order_by(AuditEvent.id)).all()
    moves = [(e.action, e.from_status, e.to_status) for e in events]
    E, P, C = "awaiting_enterprise", "awaiting_paper_check", "awaiting_center"
    assert moves == [
        ("agreement_generate", "", E), ("agreement_paper_upload", E, P),
        ("agreement_paper_reject", P, E), ("agreement_paper_upload", E, P),
        ("agreement_sign", "", ""), ("agreement_paper_confirm", P, C),
        ("agreement_regenerate", C, E), ("agreement_sign", E, C), ("agreement_sign", "", ""),
        ("agreement_seal", C, "sealed"), ("agreement_generate", "", E),
        ("agreement_void", E, "void")]
    assert supplement.state is AS.VOID and agreement.state is AS.SEALED
