"""Documents and messages on a case: what is accepted, who may upload, download and post."""
import hashlib
import io
import zipfile
from urllib.parse import quote

import pytest
from werkzeug.http import parse_options_header

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Document, Message

from .factories import PDF

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def zip_bytes(*names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in names:
            package.writestr(name, "<ofd:OFD/>")
    return buffer.getvalue()


def upload(client, case, content, filename="申请材料.pdf", kind="material", step=None):
    data = {"file": (io.BytesIO(content), filename), "kind": kind}
    if step is not None:
        data["step_id"] = str(step.id)
    return client.post(f"/cases/{case.id}/documents", data=data, content_type="multipart/form-data")


@pytest.fixture
def case(world):
    case = world.case()
    db.session.commit()
    return case


# --- what is accepted ------------------------------------------------------------

def test_enterprise_uploads_a_pdf_with_size_and_checksum(client, world, login_as, case):
    login_as(world.users["owner"])
    response = upload(client, case, PDF)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}#documents")
    document = db.session.query(Document).one()
    assert (document.case_id, document.step_id, document.kind) == (case.id, None, "material")
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.filename == "申请材料.pdf" and document.uploaded_by_id == world.users["owner"].id
    assert db.session.query(AuditEvent).filter_by(case_id=case.id, action="upload").count() == 1
    page = client.get(f"/cases/{case.id}").text
    assert "申请材料.pdf" in page and f"/documents/{document.id}" in page


@pytest.mark.parametrize("content, content_type", [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_agent_uploads_a_permit_image_to_a_step(client, world, login_as, case, content, content_type):
    step = case.steps[0]
    login_as(world.users["agent"])
    upload(client, case, content, "许可证.jpg", kind="permit", step=step)
    document = db.session.query(Document).one()
    assert (document.step_id, document.kind, document.content_type) == (step.id, "permit", content_type)
    assert document.sha256 == hashlib.sha256(content).hexdigest() and document.size == len(content)


def test_a_real_ofd_package_is_accepted(client, world, login_as, case):
    login_as(world.users["owner"])
    upload(client, case, zip_bytes("OFD.xml", "Doc_0/Document.xml"), "执照.ofd")
    assert db.session.query(Document).one().content_type == "application/ofd"


@pytest.mark.parametrize("content, filename", [
    (b"<html><script>alert(1)</script></html>", "x.pdf"),
    (zip_bytes("readme.txt"), "x.ofd"),
    (b"", "empty.pdf"),
])
def test_files_that_are_not_what_they_claim_are_refused(client, world, login_as, case, content, filename):
    login_as(world.users["owner"])
    response = upload(client, case, content, filename)
    assert response.status_code == 302
    assert db.session.query(Document).count() == 0
    assert db.session.query(AuditEvent).filter_by(action="upload").count() == 0
    assert "alert-danger" in client.get(f"/cases/{case.id}").text


OFD = zip_bytes("OFD.xml")


@pytest.mark.parametrize("content, uploaded_as, stored_as", [
    (JPEG, "poly.html", "poly.jpg"),
    (PNG, "截图.svg", "截图.png"),
    (PDF, "申请书.exe", "申请书.pdf"),
    (OFD, "执照.zip", "执照.ofd"),
    (PDF, "申请书", "申请书.pdf"),
    (PDF, "合同.2024", "合同.2024.pdf"),
    (JPEG, "现场照片.JPEG", "现场照片.JPEG"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_the_name_takes_the_extension_of_the_detected_type(client, world, login_as, case,
                                                           content, uploaded_as, stored_as):
    login_as(world.users["owner"])
    upload(client, case, content, uploaded_as)
    document = db.session.query(Document).one()
    assert document.filename == stored_as
    disposition = client.get(f"/documents/{document.id}").headers["Content-Disposition"]
    assert parse_options_header(disposition)[1]["filename"] == stored_as


def test_a_file_stored_under_a_misleading_name_downloads_under_its_type(client, world, login_as, case):
    """Rows stored before names followed the type are renamed on the way out."""
    document = Document(case_id=case.id, uploaded_by_id=world.users["owner"].id, kind="material",
                        filename="poly.html", content_type="image/jpeg", size=len(JPEG),
                        sha256=hashlib.sha256(JPEG).hexdigest(), data=JPEG)
    db.session.add(document)
    db.session.commit()
    login_as(world.users["owner"])
    response = client.get(f"/documents/{document.id}")
    assert response.headers["Content-Disposition"] == 'attachment; filename=poly.jpg'


def test_a_file_just_over_the_limit_is_refused(app, client, world, login_as, case):
    previous = app.config["MAX_UPLOAD_MB"]
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        login_as(world.users["owner"])
        upload(client, case, PDF + b"0" * (1024 * 1024 + 1 - len(PDF)))
        assert db.session.query(Document).count() == 0
        assert "1 MB" in client.get(f"/cases/{case.id}").text
        upload(client, case, PDF + b"0" * (1024 * 1024 - len(PDF)))
        assert db.session.query(Document).count() == 1
    finally:
        app.config["MAX_UPLOAD_MB"] = previous


def test_a_request_over_the_body_limit_gets_the_friendly_413_page(app, client, world, login_as, case):
    previous = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        login_as(world.users["owner"])
        response = upload(client, case, PDF + b"0" * 8192)
        assert response.status_code == 413 and "文件过大" in response.text
    finally:
        app.config["MAX_CONTENT_LENGTH"] = previous
    assert db.session.query(Document).count() == 0


def test_the_enterprise_cannot_upload_staff_kinds(client, world, login_as, case):
    login_as(world.users["owner"])
    response = upload(client, case, PDF, kind="permit")
    assert response.status_code == 422 and db.session.query(Document).count() == 0


def test_a_missing_file_shows_a_field_error(client, world, login_as, case):
    login_as(world.users["owner"])
    response = client.post(f"/cases/{case.id}/documents", data={"kind": "material"})
    assert response.status_code == 422 and "请选择要上传的文件" in response.text


def test_a_step_of_another_case_is_not_found(client, world, login_as, case):
    other = workflow.submit_case(world.other_project, world.users["other_enterprise"],
                                 items=world.items, contact_name="赵六", contact_mobile="13912345679")
    workflow.accept_case(other, world.users["manager"], agent=world.users["agent"])
    db.session.commit()
    login_as(world.users["agent"])
    assert upload(client, case, PDF, kind="permit", step=other.steps[0]).status_code == 404
    assert db.session.query(Document).count() == 0


def test_a_closed_case_takes_no_more_files(client, world, login_as, case):
    workflow.withdraw_case(case, world.users["owner"], "项目取消")
    db.session.commit()
    login_as(world.users["owner"])
    upload(client, case, PDF)
    assert db.session.query(Document).count() == 0
    assert "案件已结束" in client.get(f"/cases/{case.id}").text


@pytest.mark.parametrize("who, status", [("owner", 302), ("other_enterprise", 404),
                                         ("agent", 302), ("other_agent", 404),
                                         ("manager", 302), ("other_manager", 404),
                                         ("other_center_agent", 404)])
def test_who_may_upload(client, world, login_as, case, who, status):
    login_as(world.users[who])
    kind = "material" if who.endswith("enterprise") or who == "owner" else "other"
    assert upload(client, case, PDF, kind=kind).status_code == status
    assert db.session.query(Document).count() == (1 if status == 302 else 0)


# --- download ------------------------------------------------------------------------

@pytest.fixture
def document(world, case):
    document = Document(case_id=case.id, uploaded_by_id=world.users["owner"].id, kind="material",
                        filename="营业执照 副本.pdf", content_type="application/pdf", size=len(PDF),
                        sha256=hashlib.sha256(PDF).hexdigest(), data=PDF)
    db.session.add(document)
    db.session.commit()
    return document


def test_download_sends_the_file_as_an_attachment(client, world, login_as, document):
    login_as(world.users["owner"])
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename*=UTF-8''{quote('营业执照 副本.pdf')}" in disposition


@pytest.mark.parametrize("who, status", [("owner", 200), ("other_enterprise", 404),
                                         ("agent", 200), ("other_agent", 404),
                                         ("manager", 200), ("other_manager", 404),
                                         ("other_center_agent", 404)])
def test_who_may_download(client, world, login_as, document, who, status):
    login_as(world.users[who])
    assert client.get(f"/documents/{document.id}").status_code == status


def test_download_of_a_missing_document_is_not_found(client, world, login_as):
    login_as(world.users["owner"])
    assert client.get("/documents/999").status_code == 404


# --- messages ------------------------------------------------------------------------

def test_enterprise_posts_a_message_with_an_audit_event(client, world, login_as, case):
    login_as(world.users["owner"])
    # The "internal" tick is only for staff: from an enterprise it is ignored.
    response = client.post(f"/cases/{case.id}/messages", data={"body": "规划图已上传", "internal": "y"})
    assert response.status_code == 302
    message = db.session.query(Message).one()
    assert (message.body, message.internal, message.author_id) == ("规划图已上传", False,
                                                                   world.users["owner"].id)
    event = db.session.query(AuditEvent).filter_by(case_id=case.id, action="message").one()
    assert event.comment == "规划图已上传" and event.internal is False


def test_staff_internal_note_is_recorded_as_internal(client, world, login_as, case):
    login_as(world.users["manager"])
    client.post(f"/cases/{case.id}/messages", data={"body": "注意催办", "internal": "y"})
    assert db.session.query(Message).one().internal is True
    event = db.session.query(AuditEvent).filter_by(case_id=case.id, action="note").one()
    assert event.internal is True


@pytest.mark.parametrize("body, error", [("   ", "请填写留言内容"), ("字" * 2001, "留言不能超过 2000 字")])
def test_invalid_messages_show_the_error(client, world, login_as, case, body, error):
    login_as(world.users["owner"])
    response = client.post(f"/cases/{case.id}/messages", data={"body": body})
    assert response.status_code == 422 and error in response.text
    assert db.session.query(Message).count() == 0


@pytest.mark.parametrize("who", ["other_enterprise", "other_agent", "other_manager",
                                 "other_center_agent"])
def test_outsiders_cannot_post_messages(client, world, login_as, case, who):
    login_as(world.users[who])
    assert client.post(f"/cases/{case.id}/messages", data={"body": "你好"}).status_code == 404
    assert db.session.query(Message).count() == 0
