"""The public verification page: by number + code, by uploaded file, and the QR link."""
import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import proxy_service
from proxy_service.core.extensions import db
from proxy_service.documents.verification import check_file
from proxy_service.models.agreements import AgreementState

from .seal_helpers import make_sealed_agreement, simple_pdf


@pytest.fixture
def sealed(world):
    """A case whose agreement both parties signed online and the center sealed."""
    case = world.case()
    agreement = next(a for a in case.agreements if a.state is AgreementState.SEALED)
    return agreement


def _upload(client, data, **fields):
    return client.post("/verify", data={**fields, "file": (io.BytesIO(data), "协议.pdf")},
                       content_type="multipart/form-data")


def test_the_page_is_public(client):
    response = client.get("/verify")
    assert response.status_code == 200 and "协议核验" in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_number_and_code_show_the_summary_and_nothing_else(client, sealed):
    response = client.post("/verify", data={"number": sealed.number, "code": sealed.verification_code})
    page = response.text
    assert response.status_code == 200
    case = sealed.case
    for shown in (sealed.number, case.center.name, case.enterprise.name, "线上电子签署",
                  "已签署生效", sealed.sealed_at.astimezone().strftime("%Y")):
        assert shown in page
    for hidden in (case.project.name, case.enterprise.uscc, case.number, case.contact_mobile,
                   case.agent.name):
        assert hidden not in page


def test_wrong_code_reveals_nothing_same_as_unknown_number(client, sealed):
    wrong = client.post("/verify", data={"number": sealed.number, "code": "WRONG123"})
    unknown = client.post("/verify", data={"number": "JZKFQ-DB-2026-999999", "code": "WRONG123"})
    assert wrong.status_code == unknown.status_code == 200
    assert "未找到" in wrong.text and sealed.case.enterprise.name not in wrong.text
    assert wrong.text.replace(sealed.number, "N") == unknown.text.replace("JZKFQ-DB-2026-999999", "N")


def test_qr_link_shows_the_summary(client, sealed):
    response = client.get(f"/verify/{sealed.number}?code={sealed.verification_code}")
    assert response.status_code == 200 and sealed.case.enterprise.name in response.text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    wrong = client.get(f"/verify/{sealed.number}?code=AAAAAAAA")
    unknown = client.get("/verify/JZKFQ-DB-2026-999999?code=AAAAAAAA")
    assert "未找到" in wrong.text and sealed.case.enterprise.name not in wrong.text
    assert wrong.text.replace(sealed.number, "N") == unknown.text.replace("JZKFQ-DB-2026-999999", "N")


def test_the_genuine_file_matches_and_its_seal_is_valid(client, sealed):
    page = _upload(client, sealed.final_pdf).text
    assert "逐字节一致" in page and "电子印章有效：由该协议的服务中心证书签署" in page
    assert sealed.number in page and sealed.case.enterprise.name in page
    assert sealed.final_sha256 in page


def test_a_tampered_file_does_not_match_and_its_seal_is_broken(client, sealed):
    damaged = bytearray(sealed.final_pdf)
    damaged[len(sealed.unsigned_pdf) // 2] ^= 0x01
    page = _upload(client, bytes(damaged)).text
    assert "不一致" in page and "电子印章无效或已被破坏" in page
    assert "逐字节一致" not in page and sealed.case.enterprise.name not in page


def test_a_file_checked_against_number_and_code(client, sealed):
    page = _upload(client, sealed.unsigned_pdf, number=sealed.number,
                   code=sealed.verification_code).text
    # The unsigned original is not the final: it does not match and carries no seal.
    assert sealed.case.enterprise.name in page and "不一致" in page and "电子印章无效" in page


def test_paper_signing_is_shown(client, world, seal_folder):
    case = world.case(signed=False)
    agreement = make_sealed_agreement(case, seal_folder, on_paper=True)
    page = client.get(f"/verify/{agreement.number}?code={agreement.verification_code}").text
    assert "纸质签署" in page and "2026-03-05" in page and "2026-03-06" in page


def test_an_unsealed_agreement_is_not_in_force(client, world):
    case = world.case(signed=False)
    agreement = case.agreements[0]
    page = client.get(f"/verify/{agreement.number}?code={agreement.verification_code}").text
    assert "尚未生效" in page and "已签署生效" not in page


def test_refused_uploads_and_empty_form(client, sealed):
    assert "只能核验 PDF" in _upload(client, b"\x89PNG\r\n\x1a\n....").text
    empty = client.post("/verify", data={})
    assert empty.status_code == 422 and "请填写协议编号和校验码，或上传协议文件" in empty.text
    no_code = client.post("/verify", data={"number": sealed.number})
    assert no_code.status_code == 422 and "请填写协议上印制的校验码" in no_code.text


def test_an_unknown_pdf_is_reported_without_a_record(client, sealed):
    page = _upload(client, simple_pdf("something else")).text
    assert "不一致" in page and sealed.case.enterprise.name not in page
    db.session.rollback()


# --- the word for the code: 校验码, as printed on the agreements -------------------------------

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def _verify_pages(client, sealed, headers=None):
    """The page, the form's two errors, and the answer for a wrong code."""
    return [client.get("/verify", headers=headers).text,
            client.post("/verify", data={}, headers=headers).text,
            client.post("/verify", data={"number": sealed.number}, headers=headers).text,
            client.post("/verify", data={"number": sealed.number, "code": "WRONG1"},
                        headers=headers).text]


def test_the_page_says_the_word_printed_on_the_agreements(client, sealed):
    """The signed agreements print 校验码 beside their number and cannot change: the page, its
    form and its errors say the same (验证码 is the login's one-time code)."""
    for page in _verify_pages(client, sealed):
        assert "校验码" in page and "验证码" not in page
    for page in _verify_pages(client, sealed, ENGLISH):
        assert "check code" in page.lower() and "verification code" not in page.lower()


def test_the_english_catalogue_has_one_word_for_the_agreements_code():
    path = Path(proxy_service.__file__).parent / "translations/en/LC_MESSAGES/messages.po"
    with path.open("rb") as po:
        catalogue = read_po(po)
    named = [m for m in catalogue if m.id and "校验码" in str(m.id)]
    assert named and all("check code" in str(m.string).lower() for m in named)
    assert not [m.id for m in catalogue if m.id and "协议" in str(m.id) and "验证码" in str(m.id)]


def test_the_seal_states_the_moment_the_agreement_was_sealed(client, world, frozen_clock):
    """The demo seals its agreements at past moments (its clock travels): the date the page
    gives for the seal and the seal's own signing time agree."""
    frozen_clock(2026, 10, 12, 16)
    agreement = next(a for a in world.case().agreements if a.state is AgreementState.SEALED)
    db.session.commit()
    frozen_clock(2026, 12, 1)
    page = _upload(client, agreement.final_pdf).text
    # To the second: a PDF dates its signature in whole seconds.
    seal = check_file(agreement.final_pdf).seal
    assert seal.signed_at == agreement.sealed_at.replace(microsecond=0)
    sealed_on = re.search(r"加盖电子印章日期</dt><dd[^>]*>([^<]*)</dd>", page).group(1)
    signed_at = re.search(r"签名时间：([0-9-]+ [0-9:]+)", page).group(1)
    assert sealed_on == "2026-10-12" and signed_at == "2026-10-12 16:00"
