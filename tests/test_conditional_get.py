"""Conditional GET on stored files: a document, an agreement's PDF, an issued notice and a
stored monthly report carry their SHA-256 as a strong ETag; If-None-Match with it answers 304
without the bytes (nor reading them), but only after the same access check as the file itself;
pages keep Cache-Control: no-store (core/downloads.py)."""
import hashlib

import pytest
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import Document, IssuedNotice, MonthlyReport

from .api_helpers import bearer, make_token

PDF = b"%PDF-1.4\n% conditional GET\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()


@pytest.fixture
def document(world):
    case = world.case()
    document = Document(case_id=case.id, uploaded_by_id=world.users["owner"].id, kind="material",
                        filename="营业执照.pdf", content_type="application/pdf", size=len(PDF),
                        sha256=SHA, data=PDF)
    db.session.add(document)
    db.session.commit()
    return document


def _revalidated(response, sha256):
    assert response.headers["ETag"] == f'"{sha256}"'
    assert response.headers["Cache-Control"] == "private, no-cache"


def _blob_reads(statements):
    return [s for s in statements if "document_blobs" in s]


def test_a_document_carries_its_sha256_and_an_unchanged_copy_gets_304(
        client, world, login_as, document, count_queries):
    login_as(world.users["owner"])
    first = client.get(f"/documents/{document.id}")
    assert first.status_code == 200 and first.data == PDF
    _revalidated(first, SHA)
    with count_queries() as seen:
        again = client.get(f"/documents/{document.id}", headers={"If-None-Match": f'"{SHA}"'})
    assert again.status_code == 304 and again.data == b""
    assert "Content-Type" not in again.headers
    _revalidated(again, SHA)
    assert again.headers["X-Content-Type-Options"] == "nosniff"   # the security headers too
    assert _blob_reads(seen.statements) == []                    # the bytes were not read


@pytest.mark.parametrize("sent", ['"0000"', f'W/"{SHA[:-1]}0"', ""])
def test_another_etag_gets_the_file(client, world, login_as, document, sent):
    login_as(world.users["agent"])
    response = client.get(f"/documents/{document.id}", headers={"If-None-Match": sent})
    assert response.status_code == 200 and response.data == PDF


@pytest.mark.parametrize("sent", [f'"{SHA}"', "*"])
def test_the_access_check_comes_before_the_304(client, world, login_as, document, sent):
    for who in ("other_enterprise", "other_manager"):
        login_as(world.users[who])
        assert client.get(f"/documents/{document.id}",
                          headers={"If-None-Match": sent}).status_code == 404
    client.post("/logout")
    anonymous = client.get(f"/documents/{document.id}", headers={"If-None-Match": sent})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_pages_stay_no_store(client, world, login_as, document):
    login_as(world.users["owner"])
    page = client.get(f"/cases/{document.case_id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "ETag" not in page.headers


def test_the_api_download_is_conditional_after_the_token_s_access_check(client, world, document):
    url = f"/api/v1/cases/{document.case_id}/documents/{document.id}"
    secret = make_token(world.users["owner"])
    first = client.get(url, headers=bearer(secret))
    assert first.status_code == 200 and first.data == PDF
    _revalidated(first, SHA)
    again = client.get(url, headers=bearer(secret, **{"If-None-Match": f'"{SHA}"'}))
    assert again.status_code == 304 and again.data == b""
    outsider = make_token(world.users["other_enterprise"])
    assert client.get(url, headers=bearer(outsider, **{"If-None-Match": f'"{SHA}"'})
                      ).status_code == 404


@pytest.mark.parametrize("signed", [True, False])
def test_the_agreement_pdf_carries_the_sha256_of_the_file_it_serves(client, world, login_as,
                                                                     signed):
    case = world.case(signed=signed)
    db.session.commit()
    agreement = case.agreements[0]
    served = agreement.final_sha256 if signed else agreement.unsigned_sha256
    login_as(world.users["owner"])
    for url, sha256 in ((f"/agreements/{agreement.id}/pdf", served),
                        (f"/agreements/{agreement.id}/pdf?original=1", agreement.unsigned_sha256)):
        response = client.get(url)
        assert hashlib.sha256(response.data).hexdigest() == sha256
        _revalidated(response, sha256)
        assert client.get(url, headers={"If-None-Match": f'"{sha256}"'}).status_code == 304
    secret = make_token(world.users["owner"])
    api = f"/api/v1/agreements/{agreement.id}/pdf"
    _revalidated(client.get(api, headers=bearer(secret)), served)
    assert client.get(api, headers=bearer(secret, **{"If-None-Match": f'"{served}"'})
                      ).status_code == 304
    login_as(world.users["other_enterprise"])
    assert client.get(f"/agreements/{agreement.id}/pdf",
                      headers={"If-None-Match": f'"{served}"'}).status_code == 404


def test_an_issued_notice_is_conditional(client, world, login_as):
    case = world.case()
    db.session.commit()
    notice = db.session.scalars(select(IssuedNotice)).first()
    url = f"/cases/{case.id}/notices/{notice.id}.pdf"
    login_as(world.users["agent"])
    response = client.get(url)
    assert hashlib.sha256(response.data).hexdigest() == notice.sha256
    _revalidated(response, notice.sha256)
    assert client.get(url, headers={"If-None-Match": f'"{notice.sha256}"'}).status_code == 304
    login_as(world.users["other_center_agent"])
    assert client.get(url, headers={"If-None-Match": f'"{notice.sha256}"'}).status_code == 404


def test_a_stored_monthly_report_is_conditional_and_the_running_month_is_not(
        client, world, login_as, frozen_clock):
    frozen_clock(2026, 11, 2)
    world.case()
    frozen_clock(2026, 12, 10)
    login_as(world.users["manager"])
    closed = client.get("/manage/report.pdf?month=2026-11")
    report = db.session.scalars(select(MonthlyReport)).one()
    _revalidated(closed, report.sha256)
    for url in ("/manage/report.pdf?month=2026-11", f"/manage/report/versions/{report.id}.pdf"):
        assert client.get(url, headers={"If-None-Match": f'"{report.sha256}"'}).status_code == 304
    running = client.get("/manage/report.pdf?month=2026-12")
    assert running.status_code == 200 and "ETag" not in running.headers
    assert running.headers["Cache-Control"] == "no-store"
    login_as(world.users["other_manager"])
    assert client.get(f"/manage/report/versions/{report.id}.pdf",
                      headers={"If-None-Match": f'"{report.sha256}"'}).status_code == 404
