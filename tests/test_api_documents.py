"""A case's documents through /api/v1: listed as the case page lists them, uploaded with the
page's checks (type by content, size limit, no active PDF, each side's kinds, open cases only)
and the page's messages, downloaded streamed under their name; audited with the token's name,
and out of reach (404) for whoever does not see the case."""
import hashlib
import io
from urllib.parse import quote

import pytest
from sqlalchemy import select
from werkzeug.http import parse_options_header

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Document

from .api_helpers import assert_problem, bearer, make_token
from .factories import PDF, make_case
from .test_pdf_active_content import SCRIPT, classic_pdf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
OUTSIDERS = ("other_enterprise", "other_manager", "other_center_agent", "other_agent")


def _url(case, document=None):
    return f"/api/v1/cases/{case.id}/documents" + (f"/{document.id}" if document else "")


def _upload(client, case, secret, content=PDF, filename="申请材料.pdf", kind="material", **more):
    data = {"file": (io.BytesIO(content), filename), "kind": kind, **more}
    return client.post(_url(case), data=data, content_type="multipart/form-data",
                       headers=bearer(secret))


def _documents():
    return db.session.scalars(select(Document)).all()


# --- uploading and reading back ------------------------------------------------------------

@pytest.mark.parametrize("who, kind", [("owner", "material"), ("agent", "permit"),
                                       ("manager", "other")])
def test_those_who_see_the_case_upload_their_kinds_and_read_them_back(client, world, case,
                                                                     who, kind):
    secret = make_token(world.users[who], name="ERP同步")
    response = _upload(client, case, secret, kind=kind, step_id=str(case.steps[0].id))
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    assert (sent["kind"], sent["filename"], sent["size"]) == (kind, "申请材料.pdf", len(PDF))
    assert sent["step_id"] == case.steps[0].id and sent["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert sent["uploaded_by"]["name"] == world.users[who].name
    download = client.get(response.headers["Location"], headers=bearer(secret))
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert [item["id"] for item in client.get(_url(case), headers=bearer(secret))
            .get_json()["items"]] == [sent["id"]]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "upload")).one()
    assert event.actor_id == world.users[who].id
    assert event.comment == "（经接口令牌“ERP同步”）申请材料.pdf"


def test_the_enterprise_lists_the_files_the_staff_put_on_its_case(client, world, case):
    staff = make_token(world.users["agent"])
    _upload(client, case, staff, PNG, "许可证.png", kind="permit")
    _upload(client, case, make_token(world.users["owner"]), PDF, "申请书.pdf")
    listed = client.get(_url(case), headers=bearer(make_token(world.users["owner"]))).get_json()
    assert [(item["filename"], item["kind"], item["content_type"], item["step_id"])
            for item in listed["items"]] == [("许可证.png", "permit", "image/png", None),
                                             ("申请书.pdf", "material", "application/pdf", None)]


def test_a_download_is_an_attachment_under_its_chinese_name_never_sniffed(client, world, case):
    secret = make_token(world.users["owner"])
    document = db.session.get(Document, _upload(client, case, secret, PNG, "营业执照 副本.exe")
                              .get_json()["id"])
    response = client.get(_url(case, document), headers=bearer(secret))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.content_length == len(PNG) and response.data == PNG
    kind, names = parse_options_header(response.headers["Content-Disposition"])
    assert kind == "attachment" and names["filename"] == "营业执照 副本.png"   # RFC 5987 decoded
    assert f"filename*=UTF-8''{quote('营业执照 副本.png')}" in response.headers["Content-Disposition"]


# --- refused uploads: the page's rules and messages ----------------------------------------

@pytest.mark.parametrize("content, filename, message", [
    (b"<html><script>alert(1)</script></html>", "x.pdf", "只接受 PDF、JPG、PNG 或 OFD 文件"),
    (b"", "empty.pdf", "文件为空"),
    (classic_pdf(SCRIPT), "脚本.pdf", "JavaScript 脚本"),
], ids=["not-what-it-claims", "empty", "pdf-with-javascript"])
def test_files_the_page_refuses_are_422_with_its_message(client, world, case, content,
                                                         filename, message):
    body = assert_problem(_upload(client, case, make_token(world.users["owner"]), content,
                                  filename), 422)
    assert message in body["detail"] and message in body["errors"]["file"][0]
    assert _documents() == [] and not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "upload")).all()


def test_a_file_over_the_size_limit_is_413_with_the_pages_message(app, client, world, case):
    secret = make_token(world.users["owner"])
    previous = app.config["MAX_UPLOAD_MB"]
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        over = assert_problem(_upload(client, case, secret, PDF + b"0" * (1024 * 1024 + 1 - len(PDF))),
                              413)
        assert over["detail"] == "文件超过 1 MB 上限。" and _documents() == []
        at_limit = _upload(client, case, secret, PDF + b"0" * (1024 * 1024 - len(PDF)))
        assert at_limit.status_code == 201
    finally:
        app.config["MAX_UPLOAD_MB"] = previous


def test_a_body_over_the_request_limit_is_413(app, client, world, case):
    secret = make_token(world.users["owner"])
    previous = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        assert_problem(_upload(client, case, secret, PDF + b"0" * 8192), 413)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = previous
    assert _documents() == []


def test_refusals_speak_the_callers_language(client, world, case):
    secret = make_token(world.users["owner"])
    response = client.post(_url(case), data={"file": (io.BytesIO(b""), "x.pdf"), "kind": "material"},
                           content_type="multipart/form-data",
                           headers=bearer(secret, **{"Accept-Language": "en"}))
    assert assert_problem(response, 422)["detail"] == "The file is empty."


def test_each_side_uploads_its_own_kinds(client, world, case):
    owner = assert_problem(_upload(client, case, make_token(world.users["owner"]), kind="permit"), 422)
    agent = assert_problem(_upload(client, case, make_token(world.users["agent"]), kind="material"), 422)
    assert owner["errors"] == agent["errors"] == {"kind": ["请选择材料类别。"]}
    assert _documents() == []


def test_the_form_is_strict(client, world, case):
    secret = make_token(world.users["owner"])
    missing = client.post(_url(case), data={"kind": "material"}, content_type="multipart/form-data",
                          headers=bearer(secret))
    assert assert_problem(missing, 422)["errors"] == {"file": ["请选择要上传的文件。"]}
    as_text = client.post(_url(case), data={"file": "%PDF-1.4", "kind": "material"},
                          content_type="multipart/form-data", headers=bearer(secret))
    assert list(assert_problem(as_text, 422)["errors"]) == ["file"]
    extra = assert_problem(_upload(client, case, secret, colour="red"), 422)
    assert list(extra["errors"]) == ["colour"]
    assert _documents() == []


def test_a_closed_case_takes_no_more_files(client, world, case):
    workflow.withdraw_case(case, world.users["owner"], "项目取消")
    db.session.commit()
    body = assert_problem(_upload(client, case, make_token(world.users["owner"])), 409)
    assert "案件已结束" in body["detail"] and _documents() == []


def test_a_step_or_document_of_another_case_is_404(client, world, case):
    other = make_case(world.other_project, world.users["other_enterprise"], world.items,
                      accept_by=world.users["manager"], agent=world.users["agent"])
    db.session.commit()
    secret = make_token(world.users["agent"])
    assert_problem(_upload(client, case, secret, kind="permit", step_id=str(other.steps[0].id)), 404)
    theirs = _upload(client, other, secret, kind="permit").get_json()
    assert_problem(client.get(f"{_url(case)}/{theirs['id']}", headers=bearer(secret)), 404)
    assert [document.case_id for document in _documents()] == [other.id]


# --- reach and scopes -----------------------------------------------------------------------

@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_and_change_nothing(client, world, case, who):
    document = db.session.get(Document, _upload(client, case, make_token(world.users["owner"]))
                              .get_json()["id"])
    secret = make_token(world.users[who])
    assert_problem(client.get(_url(case), headers=bearer(secret)), 404)
    assert_problem(client.get(_url(case, document), headers=bearer(secret)), 404)
    assert_problem(_upload(client, case, secret, kind="other"), 404)
    assert [d.id for d in _documents()] == [document.id]


def test_uploading_needs_documents_write(client, world, case):
    reader = make_token(world.users["owner"], scopes=["cases:read"])
    assert_problem(_upload(client, case, reader), 403)
    assert client.get(_url(case), headers=bearer(reader)).status_code == 200
    writer = make_token(world.users["owner"], scopes=["documents:write"])
    assert _upload(client, case, writer).status_code == 201
    assert_problem(client.get(_url(case), headers=bearer(writer)), 403)


def test_an_upload_sent_again_with_its_idempotency_key_is_stored_once(client, world, case):
    """A client retrying an upload encodes the form again with a new multipart boundary (every
    HTTP library picks a random one): the same fields and file are the same request, so the
    first answer comes back and the file is stored once."""
    secret = make_token(world.users["owner"])
    first, again = (_upload_with_key(client, case, secret, "upload-1") for _ in range(2))
    assert first.status_code == again.status_code == 201, again.get_json()
    assert again.headers["Idempotency-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert len(_documents()) == 1
    other_file = _upload_with_key(client, case, secret, "upload-1", content=PNG, filename="b.png")
    assert_problem(other_file, 422)


def _upload_with_key(client, case, secret, key, content=PDF, filename="申请材料.pdf"):
    data = {"file": (io.BytesIO(content), filename), "kind": "material"}
    return client.post(_url(case), data=data, content_type="multipart/form-data",
                       headers=bearer(secret, **{"Idempotency-Key": key}))
