"""The agreement PDF: what it says, its fonts, and byte-identical regeneration."""
import io
import re

from pypdf import PdfReader

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.documents.default_clauses import DEFAULT_CLAUSES, parse_clauses
from proxy_service.documents.fonts import cjk_font
from proxy_service.models import AgreementKind, AgreementState
from proxy_service.workflow import agreement_settings
from proxy_service.workflow import agreements as signing

from .factories import sign_and_seal


def text_of(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text):
    """Without whitespace: wrapped lines break Chinese phrases anywhere."""
    return re.sub(r"\s+", "", text)


def agreement_of(case):
    return signing.main_agreement(case)


def test_the_agreement_names_parties_project_items_and_clauses(world):
    case = world.case(signed=False)
    agreement = agreement_of(case)
    text = flat(text_of(agreement.unsigned_pdf))
    enterprise, center, project = case.enterprise, case.center, case.project
    for expected in (
            "代办委托协议", agreement.number, agreement.verification_code,
            enterprise.name, enterprise.uscc, enterprise.address, enterprise.legal_representative,
            case.contact_name, case.contact_mobile,
            center.name, center.address, center.person_in_charge,
            case.agent.name, case.agent.phone,
            project.name, project.location, "12,000.5 万元", "150 亩", project.content,
            "第 1 页 共"):
        assert flat(expected) in text, expected
    for item in world.items:
        assert item.name in text and item.department in text
    assert "5工作日" in text and "立项用地规划许可" in text
    for heading, _paragraphs in parse_clauses(DEFAULT_CLAUSES):
        assert heading in text
    for phrase in ("不得将本协议项下的代办事项转委托第三方", "不代签承诺书", "无偿服务", "一次性告知",
                   "代办方案", "《代办服务办结单》", "个人信息保护法", "续办委托书", "好差评", "人民法院"):
        assert phrase in text, phrase


def test_clauses_are_numbered_after_the_two_generated_ones(world):
    text = text_of(agreement_of(world.case(signed=False)).unsigned_pdf)
    assert re.search(r"第一条\s*项目基本情况", text) and re.search(r"第二条\s*委托代办事项", text)
    assert re.search(r"第三条\s*委托范围与权限", text)
    assert re.search(r"第十二条\s*其他", text)


def test_every_font_is_embedded(world):
    assert cjk_font() == "WQYZenHei", "install fonts-wqy-zenhei (the test environment has it)"
    sign_and_seal(case := world.case(signed=False), world.users["owner"], world.users["manager"])
    agreement = agreement_of(case)
    for data in (agreement.unsigned_pdf, agreement.final_pdf):
        fonts = [font.get_object() for page in PdfReader(io.BytesIO(data)).pages
                 for font in page["/Resources"]["/Font"].values()]
        assert fonts
        for font in fonts:
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None, font.get("/BaseFont")
            assert "/FontFile2" in descriptor.get_object(), font.get("/BaseFont")


def test_regeneration_is_byte_identical_and_dated_by_the_agreement(world, frozen_clock):
    frozen_clock(2026, 3, 2)
    agreement = agreement_of(world.case(signed=False))
    frozen_clock(2026, 5, 20)    # rendering later gives the same bytes
    again = signing.render_unsigned(agreement)
    assert again == agreement.unsigned_pdf
    assert signing.sha256(again) == agreement.unsigned_sha256
    assert signing.refresh(agreement.case, world.users["manager"]) == []
    info = PdfReader(io.BytesIO(again)).metadata
    assert info["/CreationDate"].startswith("D:20260302")


def test_a_case_keeps_the_clause_version_it_was_generated_under(world):
    agreement = agreement_of(world.case(signed=False))
    before = agreement.unsigned_pdf
    center = agreement.case.center
    agreement_settings.save_template(center, world.users["manager"],
                                     DEFAULT_CLAUSES + "# 附加条款\n本条为新版本增加的内容。\n")
    assert agreement_settings.current_template(center).version == 2
    assert signing.render_unsigned(agreement) == before
    assert signing.refresh(agreement.case, world.users["manager"]) == []


def test_a_new_template_version_is_used_by_later_agreements(world):
    center = world.centers[0]
    agreement_settings.save_template(center, world.users["manager"],
                                     DEFAULT_CLAUSES + "# 附加条款\n本条为新版本增加的内容。\n")
    agreement = agreement_of(world.case(signed=False))
    assert agreement.template.version == 2
    assert "本条为新版本增加的内容" in text_of(agreement.unsigned_pdf)


def test_numbers_follow_the_centers_series_and_codes_avoid_look_alikes(world, frozen_clock):
    frozen_clock(2026, 3, 2)
    first = agreement_of(world.case(signed=False))
    assert first.number == "JZKFQ-DB-2026-000001"
    assert first.state is AgreementState.AWAITING_ENTERPRISE and first.kind is AgreementKind.AGREEMENT
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", first.verification_code)
    workflow.withdraw_case(first.case, world.users["owner"], "改期")
    second = agreement_of(world.case(signed=False))
    assert second.number == "JZKFQ-DB-2026-000002"
    db.session.flush()


def test_the_final_pdf_carries_signatures_record_and_verification_link(world):
    case = world.case(signed=False)
    agreement = sign_and_seal(case, world.users["owner"], world.users["manager"])
    text = flat(text_of(agreement.final_pdf))
    assert "签署记录" in text
    assert agreement.unsigned_sha256 in text
    assert "127.0.0.1" in text and "在线键入姓名" in text
    assert f"/verify/{agreement.number}?code={agreement.verification_code}" in text
    # the agreement itself is all there, before the record
    assert all(flat(heading) in text.split("签署记录")[0]
               for heading, _ in parse_clauses(DEFAULT_CLAUSES))
