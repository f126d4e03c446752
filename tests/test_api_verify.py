"""POST /api/v1/verify: public, answering what the /verify page answers (one function for
both, documents/verification.answer), under the page's rate limit."""
import io

import pytest

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db
from proxy_service.models.agreements import AgreementState

from .api_helpers import assert_problem, bearer, make_token
from .seal_helpers import simple_pdf

pytestmark = pytest.mark.pdf   # the case's agreement is rendered and sealed for real

URL = "/api/v1/verify"


@pytest.fixture
def sealed(world):
    case = world.case()
    db.session.commit()   # each answer ends its read-only transaction with a rollback
    return next(a for a in case.agreements if a.state is AgreementState.SEALED)


def _upload(client, data, **fields):
    return client.post(URL, data={**fields, "file": (io.BytesIO(data), "协议.pdf")},
                       content_type="multipart/form-data")


def _page(client, data=None, **fields):
    files = {"file": (io.BytesIO(data), "协议.pdf")} if data is not None else {}
    return client.post("/verify", data={**fields, **files}, content_type="multipart/form-data").text


def test_number_and_code_answer_the_summary_the_page_shows_without_a_token(client, sealed):
    response = client.post(URL, json={"number": sealed.number, "code": sealed.verification_code})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    case = sealed.case
    assert body["found"] is True and body["file"] is None
    summary = body["agreement"]
    assert summary["number"] == sealed.number and summary["state"] == "sealed"
    assert summary["center"] == case.center.name and summary["enterprise"] == case.enterprise.name
    assert summary["on_paper"] is False and summary["sealed_at"] and summary["enterprise_signed_at"]
    page = _page(client, number=sealed.number, code=sealed.verification_code)
    assert case.center.name in page and case.enterprise.name in page and "已签署生效" in page
    assert response.headers["Cache-Control"] == "no-store"
    for hidden in (case.project.name, case.enterprise.uscc, case.number, case.agent.name):
        assert hidden not in response.get_data(as_text=True)


def test_a_wrong_code_answers_as_an_unknown_number(client, sealed):
    wrong = client.post(URL, json={"number": sealed.number, "code": "WRONG123"}).get_json()
    unknown = client.post(URL, json={"number": "JZKFQ-DB-2026-999999", "code": "WRONG123"})
    assert unknown.status_code == 200
    assert wrong == unknown.get_json() == {"found": False, "agreement": None, "file": None}
    assert "未找到" in _page(client, number=sealed.number, code="WRONG123")


def test_a_token_is_neither_needed_nor_read(client, world, sealed):
    secret = make_token(world.users["other_enterprise"])
    for headers in (bearer(secret), bearer("psk_not-a-token")):
        response = client.post(URL, headers=headers,
                               json={"number": sealed.number, "code": sealed.verification_code})
        assert response.status_code == 200 and response.get_json()["found"] is True


def test_the_genuine_file_matches_and_its_seal_is_valid_as_on_the_page(client, sealed):
    body = _upload(client, sealed.final_pdf).get_json()
    assert body["found"] is None and body["agreement"] is None
    check = body["file"]
    assert check["matches"] is True and check["sha256"] == sealed.final_sha256
    assert check["seal"]["verdict"] == "valid" and check["seal"]["by_center"] is True
    assert check["agreement"]["number"] == sealed.number
    page = _page(client, sealed.final_pdf)
    assert "逐字节一致" in page and "电子印章有效：由该协议的服务中心证书签署" in page


def test_a_tampered_file_does_not_match_and_its_seal_is_broken_as_on_the_page(client, sealed):
    damaged = bytearray(sealed.final_pdf)
    damaged[len(sealed.unsigned_pdf) // 2] ^= 0x01
    check = _upload(client, bytes(damaged)).get_json()["file"]
    assert check["matches"] is False and check["seal"]["verdict"] == "invalid"
    assert check["agreement"] is None
    page = _page(client, bytes(damaged))
    assert "不一致" in page and "电子印章无效或已被破坏" in page


def test_a_file_with_number_and_code_is_checked_against_that_agreement(client, sealed):
    body = _upload(client, sealed.unsigned_pdf, number=sealed.number,
                   code=sealed.verification_code).get_json()
    assert body["found"] is True and body["agreement"]["number"] == sealed.number
    assert body["file"]["matches"] is False and body["file"]["seal"]["verdict"] == "invalid"


def test_an_unsealed_agreement_is_signing(client, world):
    agreement = world.case(signed=False).agreements[0]
    db.session.commit()
    body = client.post(URL, json={"number": agreement.number,
                                  "code": agreement.verification_code}).get_json()
    assert body["agreement"]["state"] == "signing" and body["agreement"]["sealed_at"] is None


def test_what_the_form_refuses_is_a_field_error(client, sealed):
    not_pdf = assert_problem(_upload(client, b"\x89PNG\r\n\x1a\n...."), 422)
    assert "只能核验 PDF" in not_pdf["errors"]["file"][0]
    no_code = assert_problem(client.post(URL, json={"number": sealed.number, "code": " "}), 422)
    assert "请填写协议上印制的校验码" in no_code["errors"]["code"][0]
    nothing = assert_problem(client.post(URL, json={"number": "", "code": ""}), 422)
    assert list(nothing["errors"]) == ["number"]
    strict = assert_problem(client.post(URL, json={"number": sealed.number, "code": "X",
                                                   "colour": 1}), 422)
    assert list(strict["errors"]) == ["colour"]
    no_file = assert_problem(client.post(URL, data={"number": sealed.number, "code": "X"},
                                         content_type="multipart/form-data"), 422)
    assert list(no_file["errors"]) == ["file"]
    assert_problem(client.post(URL, data="number=1", content_type="text/plain"), 415)


def test_an_unknown_pdf_is_reported_without_a_record(client, sealed):
    check = _upload(client, simple_pdf("something else")).get_json()["file"]
    assert check["matches"] is False and check["agreement"] is None
    db.session.rollback()


def test_the_contract_says_no_token_is_needed(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][URL]["post"]
    assert operation["security"] == []
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}


def test_it_has_the_pages_rate_limit_and_answers_a_problem_beyond_it(world, app):
    config = type("Limited", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "VERIFY_RATE_LIMIT": "2 per minute"})
    limited = create_app(config)
    client = limited.test_client()
    try:
        question = {"number": "JZKFQ-DB-2026-999999", "code": "WRONG123"}
        for _ in range(2):
            assert client.post(URL, json=question).status_code == 200
        refused = assert_problem(client.post(URL, json=question), 429)
        assert refused["title"] == "请求过于频繁"
    finally:
        with limited.app_context():
            db.engine.dispose()
