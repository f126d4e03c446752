"""The case's notices: issued once by the verb whose event they report, stored as bytes and
served as stored whatever happens to the case afterwards; what they say; who may get them."""
import io
import re
import zipfile

from pypdf import PdfReader
from werkzeug.datastructures import FileStorage

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import IssuedNotice, NoticeKind
from proxy_service.workflow import supplements
from proxy_service.workflow.documents import store_document

from .factories import PDF, make_case, make_item, sign_and_seal


def pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(value):
    return "".join(value.split())


def text(data):
    """A PDF's text without white space (pdf extraction breaks lines anywhere)."""
    return flat(pdf_text(data))


NOTICE_LINK = re.compile(
    r'<a href="(/cases/\d+/notices/[^"]+\.pdf)"[^>]*>\s*<i [^>]*></i>\s*([^<]+?)\s*</a>')


def notice_links(client, case):
    """[(title, url)] of the notices the case page lists, in its order."""
    return [(title, url) for url, title in NOTICE_LINK.findall(client.get(f"/cases/{case.id}").text)]


def download(client, case, title, index=0):
    """The bytes of the `index`-th notice whose title contains `title`, through the case page."""
    urls = [url for name, url in notice_links(client, case) if title in name]
    response = client.get(urls[index])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


# --- what happens to a case after a notice went out ----------------------------------------

def reassign(world, case, to="other_agent"):
    workflow.assign_agent(case, world.users["manager"], world.users[to], reason="工作调整")
    db.session.commit()


def add_item(world, case):
    item = make_item(world.centers[0], "取水许可", limit=20)
    supplements.add_items(case, world.users["manager"], [item])
    db.session.commit()


def file_first_step(world, case):
    step = next(s for s in case.steps if s.item.name == "项目备案")
    for action in ("start", "submit"):
        workflow.update_step(step, world.users["manager"], seen_version=step.version, action=action)
    db.session.commit()


def rename(case):
    case.project.name = "尚风绿谷二期项目"
    case.enterprise.name = "山西绿碳环保科技集团有限公司"
    db.session.commit()


def suspend(world, case):
    workflow.suspend_case(case, world.users["manager"], "企业调整建设方案。")
    db.session.commit()


def complete(world, case):
    """Through the verbs: the first item approved, the others not required."""
    manager = world.users["manager"]
    first, *rest = case.steps
    for action, details in (("start", {}), ("submit", {}), ("approve", {"permit_no": "晋开审备〔2026〕58号"})):
        workflow.update_step(first, manager, seen_version=first.version, action=action, **details)
    for step in rest:
        workflow.update_step(step, manager, seen_version=step.version, action="skip",
                             not_required_reason="园区已完成区域评估。")
    db.session.commit()


# --- each notice kind: issued once, the same bytes afterwards ------------------------------

def test_the_materials_notice_stays_as_issued(client, login_as, world, frozen_clock):
    frozen_clock(2026, 10, 13)
    case = world.case()
    login_as(world.users["owner"])
    issued = download(client, case, "一次性告知单")
    frozen_clock(2026, 10, 21)
    reassign(world, case)
    frozen_clock(2026, 11, 30)
    add_item(world, case)
    file_first_step(world, case)
    rename(case)
    suspend(world, case)
    login_as(world.users["owner"])     # days later: a new session
    assert download(client, case, "一次性告知单") == issued
    text = flat(pdf_text(issued))
    assert "刘代办" in text and "陈代办" not in text and "取水许可" not in text
    assert "2026年10月13日受理" in text


def test_the_suspension_notice_stays_as_issued(client, login_as, world, frozen_clock):
    frozen_clock(2026, 11, 2)
    case = world.case()
    frozen_clock(2026, 11, 25)
    suspend(world, case)
    login_as(world.users["owner"])
    issued = download(client, case, "中止通知书")
    frozen_clock(2026, 12, 7)
    workflow.resume_case(case, world.users["manager"])
    file_first_step(world, case)
    reassign(world, case)
    add_item(world, case)
    rename(case)
    suspend(world, case)
    login_as(world.users["owner"])
    assert download(client, case, "中止通知书", 0) == issued
    assert len([t for t, _ in notice_links(client, case) if "中止通知书" in t]) == 2
    assert "已报送审批" not in flat(pdf_text(issued))


def test_the_change_notice_stays_as_issued(client, login_as, world, frozen_clock):
    frozen_clock(2026, 11, 2)
    case = world.case()
    frozen_clock(2026, 11, 9)
    reassign(world, case)
    login_as(world.users["owner"])
    issued = download(client, case, "变更通知书")
    frozen_clock(2026, 11, 16)
    add_item(world, case)
    file_first_step(world, case)
    reassign(world, case, to="agent")
    rename(case)
    suspend(world, case)
    login_as(world.users["owner"])
    assert download(client, case, "变更通知书", 0) == issued
    text = flat(pdf_text(download(client, case, "变更通知书", 1)))
    assert "原代办员陈代办" in text and "新代办员刘代办" in text


def test_the_termination_notice_stays_as_issued(client, login_as, world):
    case = world.case()
    workflow.terminate_case(case, world.users["manager"], "项目取消。")
    db.session.commit()
    login_as(world.users["owner"])
    issued = download(client, case, "终止通知书")
    rename(case)
    assert download(client, case, "终止通知书") == issued
    assert flat("尚风绿谷碳中和环保科技产业园项目") in flat(pdf_text(issued))


def test_the_completion_form_stays_as_issued(client, login_as, world):
    case = world.case()
    complete(world, case)
    login_as(world.users["owner"])
    issued = download(client, case, "办结单")
    upload = FileStorage(io.BytesIO(PDF), filename="补充证照.pdf")
    store_document(upload, kind="permit", uploader=world.users["manager"], case=case)
    rename(case)
    assert download(client, case, "办结单") == issued
    assert "补充证照" not in flat(pdf_text(issued))


def test_the_supplementary_delegation_is_an_agreement_frozen_when_sealed(client, login_as, world):
    """续办委托书 is stored like the agreement it extends (signing.py): sealed, never rebuilt."""
    case = world.case()
    add_item(world, case)
    supplement = case.agreements[-1]
    sign_and_seal(case, world.users["owner"], world.users["manager"], supplement)
    db.session.commit()
    login_as(world.users["owner"])
    sealed = client.get(f"/agreements/{supplement.id}/pdf").data
    reassign(world, case)
    rename(case)
    assert client.get(f"/agreements/{supplement.id}/pdf").data == sealed == supplement.final_pdf


def test_the_dossier_holds_the_notices_as_issued(client, login_as, confirm_identity, world):
    case = world.case()
    login_as(world.users["manager"])
    issued = download(client, case, "一次性告知单")
    reassign(world, case)
    confirm_identity(world.users["manager"])
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/cases/{case.id}/dossier.zip").data))
    (name,) = [n for n in archive.namelist() if n.startswith("通知书/") and "一次性告知单" in n]
    assert archive.read(name) == issued


# --- issued by the verb, numbered and dated ------------------------------------------------

def test_each_verb_issues_its_notice_in_its_transaction(world):
    case = world.case()
    kinds = lambda: [n.kind for n in db.session.query(IssuedNotice).order_by(IssuedNotice.id)]  # noqa: E731
    assert kinds() == [NoticeKind.MATERIALS]
    suspend(world, case)
    workflow.resume_case(case, world.users["manager"])
    reassign(world, case)
    workflow.terminate_case(case, world.users["manager"], "项目取消。")
    db.session.rollback()     # the termination's notice goes with the termination
    assert kinds() == [NoticeKind.MATERIALS, NoticeKind.SUSPEND, NoticeKind.CHANGE]
    notices = db.session.query(IssuedNotice).order_by(IssuedNotice.id).all()
    assert [n.number for n in notices] == [f"{case.number}-GZ", f"{case.number}-ZZ-01",
                                           f"{case.number}-BG-01"]
    assert all(n.sha256 and n.size == len(n.data) and n.issued_by_id == world.users["manager"].id
               for n in notices)


def test_the_centers_date_line_carries_the_issue_date(world, frozen_clock):
    frozen_clock(2026, 10, 13)
    case = world.case()
    frozen_clock(2026, 11, 25)
    suspend(world, case)
    for kind, day in ((NoticeKind.MATERIALS, "2026年10月13日"), (NoticeKind.SUSPEND, "2026年11月25日")):
        notice = db.session.query(IssuedNotice).filter_by(kind=kind).one()
        text = flat(pdf_text(notice.data))
        assert f"日期：{day}" in text and "日期：______年____月____日" in text, kind
        assert notice.number in text


def test_no_notice_before_acceptance_nor_for_an_assignment_before_sealing(world):
    case = world.case(accepted=False)
    assert db.session.query(IssuedNotice).count() == 0
    workflow.accept_case(case, world.users["manager"], agent=world.users["agent"])
    reassign(world, case)     # the agreement is not sealed yet: it is regenerated instead
    assert [n.kind for n in db.session.query(IssuedNotice)] == [NoticeKind.MATERIALS]


# --- what they say -------------------------------------------------------------------------

def test_the_materials_notice_lists_each_items_materials_and_limits(world):
    case = world.case(accepted=False)
    workflow.accept_case(case, world.users["manager"], comment="请于三日内提交备案信息表。")
    text = flat(pdf_text(db.session.query(IssuedNotice).one().data))
    for expected in ("代办事项一次性告知单", case.enterprise.name, case.enterprise.uscc, case.project.name,
                     "项目备案", "建设工程规划许可证", "施工许可证", "行政审批局", "申请表", "营业执照",
                     "1工作日", "14工作日", "7工作日", "请于三日内提交备案信息表。", "待指派", "第1页共1页"):
        assert flat(expected) in text, expected


def test_the_items_are_listed_in_stage_order(world):
    late = make_item(world.centers[0], "取水许可", sort=0)    # the first stage, created last
    make_case(world.project, world.users["owner"], [*world.items, late],
              accept_by=world.users["manager"])
    text = flat(pdf_text(db.session.query(IssuedNotice).one().data))
    assert text.index("取水许可") < text.index("项目备案") < text.index("施工许可证")


def test_the_completion_form_lists_results_and_handover(client, login_as, world, frozen_clock):
    case = world.case()
    frozen_clock(2026, 4, 1)
    complete(world, case)
    notice = db.session.query(IssuedNotice).filter_by(kind=NoticeKind.COMPLETION).one()
    text = flat(pdf_text(notice.data))
    for expected in ("代办服务办结单", "晋开审备〔2026〕58号", "2026-04-01", "无需办理", "园区已完成区域评估。",
                     "移交清单", "《项目备案》批文/证照原件", "办结日期：2026年4月1日", "代办员", "委托单位签收",
                     "日期：2026年4月1日"):
        assert flat(expected) in text, expected


def test_completion_form_tells_each_items_correction_rounds(client, login_as, world,
                                                           frozen_clock):
    """The 说明 column counts each item's 补正 and dates them, from the stored rounds."""
    frozen_clock(2026, 3, 2)
    case = world.case()
    manager = world.users["manager"]
    filing, planning, building = case.steps

    def act(step, action, **details):
        workflow.update_step(step, manager, seen_version=step.version, action=action, **details)

    for step in (filing, planning):
        act(step, "start")
        act(step, "submit")
    frozen_clock(2026, 3, 3)
    act(filing, "return", correction_request="补充营业执照副本")
    frozen_clock(2026, 3, 5)
    act(filing, "submit")
    frozen_clock(2026, 3, 6)
    act(filing, "return", correction_request="建设规模与用地协议不一致")
    frozen_clock(2026, 3, 10)
    act(filing, "submit")
    frozen_clock(2026, 3, 12)
    act(filing, "approve", permit_no="晋开审备〔2026〕58号")
    act(planning, "refuse", refusal_reason="规划条件不符合园区控制性详细规划。",
        refusal_decision_no="晋开规不予〔2026〕3号")
    act(building, "skip", not_required_reason="园区已完成区域评估。")
    db.session.commit()
    login_as(world.users["owner"])
    text = flat(pdf_text(download(client, case, "办结单")))
    for expected in ("补正2次：", "1.2026-03-03退回，2026-03-05重新报送",
                     "2.2026-03-06退回，2026-03-10重新报送",
                     # the refusal dated as recorded (不予许可日期), then its 补正 and reason
                     "不予许可晋开规不予〔2026〕3号2026-03-12无补正规划条件不符合园区控制性详细规划。",
                     "园区已完成区域评估。"):
        assert flat(expected) in text, expected
    assert "无补正园区已完成区域评估" not in flat(text)   # never filed: nothing about 补正


def test_the_completion_form_lists_the_permit_uploaded_with_the_last_approval(client, login_as, world):
    case = world.case()
    manager = world.users["manager"]
    for step in case.steps[1:]:
        workflow.update_step(step, manager, seen_version=step.version, action="skip",
                             not_required_reason="无需办理")
    first = case.steps[0]
    for action in ("start", "submit"):
        workflow.update_step(first, manager, seen_version=first.version, action=action)
    db.session.commit()
    login_as(world.users["agent"])
    response = client.post(f"/cases/{case.id}/steps/{first.id}", data={
        "version": first.version, "action": "approve", "permit_no": "BA-1", "document_kind": "permit",
        "document": (io.BytesIO(PDF), "备案证明.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    notice = db.session.query(IssuedNotice).filter_by(kind=NoticeKind.COMPLETION).one()
    assert "备案证明.pdf" in flat(pdf_text(notice.data))


def test_suspension_and_termination_notices(world, frozen_clock):
    case = world.case()
    frozen_clock(2026, 3, 10)
    workflow.suspend_case(case, world.users["manager"], "环评不予许可，企业调整工艺后重新编制报告书。")
    workflow.resume_case(case, world.users["manager"])
    frozen_clock(2026, 3, 20)
    workflow.terminate_case(case, world.users["manager"], "项目取消。")
    db.session.commit()
    found = {n.kind: flat(pdf_text(n.data)) for n in db.session.query(IssuedNotice)}
    suspension, termination = found[NoticeKind.SUSPEND], found[NoticeKind.TERMINATE]
    assert "代办服务中止通知书" in suspension and "自2026年3月10日起中止代办服务" in suspension
    assert "环评不予许可，企业调整工艺后重新编制报告书。" in suspension
    assert "代办服务终止通知书" in termination and "项目取消。" in termination
    assert "自2026年3月20日起终止代办服务" in termination


def test_withdrawal_gives_a_termination_notice(world):
    case = world.case()
    workflow.withdraw_case(case, world.users["owner"], "投资计划调整。")
    db.session.commit()
    notice = db.session.query(IssuedNotice).filter_by(kind=NoticeKind.TERMINATE).one()
    assert "根据贵单位撤回申请，终止代办服务" in flat(pdf_text(notice.data))


def test_the_change_notice_names_both_agents_and_the_agreement(world, frozen_clock):
    case = world.case()
    frozen_clock(2099, 1, 5)
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], reason="原代办员休产假")
    db.session.commit()
    notice = db.session.query(IssuedNotice).filter_by(kind=NoticeKind.CHANGE).one()
    text = flat(pdf_text(notice.data))
    for expected in ("代办员变更通知书", case.agreements[0].number, "原代办员刘代办", "新代办员陈代办",
                     "原代办员休产假", "2099年1月5日"):
        assert flat(expected) in text, expected


# --- who gets them -------------------------------------------------------------------------

def test_case_page_lists_the_notices(client, login_as, world):
    case = world.case()
    login_as(world.users["owner"])
    assert [title for title, _ in notice_links(client, case)] == ["一次性告知单"]
    page = client.get(f"/cases/{case.id}").text
    assert "导出案卷" not in page and "代办服务办结单" not in page and "/correct" not in page


def test_another_enterprise_or_center_gets_404(client, login_as, world):
    case = world.case()
    notice = db.session.query(IssuedNotice).one()
    url = f"/cases/{case.id}/notices/{notice.id}.pdf"
    for outsider in ("other_enterprise", "other_manager"):
        login_as(world.users[outsider])
        assert client.get(url).status_code == 404, outsider
    login_as(world.users["owner"])
    assert client.get(url).status_code == 200
    assert client.get(f"/cases/{case.id}/notices/{notice.id + 1}.pdf").status_code == 404
    assert client.get(f"/cases/{case.id}/notices/materials.pdf").status_code == 404
