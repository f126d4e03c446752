"""The generated case documents: content, determinism, when each applies, who may download."""
import io
from datetime import date, datetime, timezone

from pypdf import PdfReader

from proxy_service import workflow
from proxy_service.documents import generated, notices
from proxy_service.extensions import db
from proxy_service.models import CaseStatus, StepRound, StepStatus


def pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(value):
    return "".join(value.split())


def _complete(case):
    """Arranged directly (not the transitions under test): one approved, one refused, one
    not required, and the case completed."""
    filing, planning, building = case.steps
    filing.status, filing.permit_no, filing.approved_on = StepStatus.APPROVED, "晋开审备〔2026〕58号", date(2026, 3, 12)
    planning.status, planning.refusal_reason = StepStatus.REFUSED, "规划条件不符合园区控制性详细规划。"
    planning.refusal_decision_no = "晋开规不予〔2026〕3号"
    building.status, building.not_required_reason = StepStatus.NOT_REQUIRED, "园区已完成区域评估。"
    case.status, case.closed_at = CaseStatus.COMPLETED, datetime(2026, 4, 1, 8, tzinfo=timezone.utc)
    db.session.commit()


def _download(client, case, key):
    return client.get(f"/cases/{case.id}/notices/{key}.pdf")


def test_materials_notice_lists_each_items_materials_and_limits(world):
    case = world.case()
    text = flat(pdf_text(notices.materials_notice(case, "请于三日内提交备案信息表。")))
    for expected in ("代办事项一次性告知单", case.enterprise.name, case.enterprise.uscc, case.project.name,
                     "项目备案", "建设工程规划许可证", "施工许可证", "行政审批局", "申请表", "营业执照",
                     "1工作日", "14工作日", "7工作日", "请于三日内提交备案信息表。", "第1页共1页"):
        assert flat(expected) in text, expected


def test_notices_are_deterministic(world):
    case = world.case()
    assert notices.materials_notice(case) == notices.materials_notice(case)
    _complete(case)
    assert notices.completion_form(case) == notices.completion_form(case)


def test_completion_form_lists_results_and_handover(world):
    case = world.case()
    _complete(case)
    text = flat(pdf_text(generated.find(case, "completion").build()))
    for expected in ("代办服务办结单", "晋开审备〔2026〕58号", "2026-03-12", "不予许可", "晋开规不予〔2026〕3号",
                     "规划条件不符合园区控制性详细规划。", "无需办理", "园区已完成区域评估。", "移交清单",
                     "《项目备案》批文/证照原件", "办结日期：2026年4月1日", "代办员", "委托单位签收"):
        assert flat(expected) in text, expected


def test_completion_form_tells_each_items_correction_rounds(world):
    """The 说明 column counts each item's 补正 and dates them, from the stored rounds."""
    case = world.case()
    filing, planning, _ = case.steps
    filing.rounds = [
        StepRound(number=1, filed_on=date(2026, 3, 2), budget=1, returned_on=date(2026, 3, 3),
                  correction_request="补充营业执照副本"),
        StepRound(number=2, filed_on=date(2026, 3, 5), budget=1, returned_on=date(2026, 3, 6),
                  correction_request="建设规模与用地协议不一致"),
        StepRound(number=3, filed_on=date(2026, 3, 10), budget=1, decided_on=date(2026, 3, 12))]
    planning.rounds = [StepRound(number=1, filed_on=date(2026, 3, 2), budget=5,
                                 decided_on=date(2026, 3, 9))]
    _complete(case)
    text = flat(pdf_text(notices.completion_form(case)))
    for expected in ("补正2次：", "1.2026-03-03退回，2026-03-05重新报送",
                     "2.2026-03-06退回，2026-03-10重新报送", "无补正规划条件不符合园区控制性详细规划。"):
        assert flat(expected) in text, expected


def test_completion_form_only_for_completed_cases(client, login_as, world):
    case = world.case()
    login_as(world.users["owner"])
    assert _download(client, case, "completion").status_code == 404
    _complete(case)
    response = _download(client, case, "completion")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]


def test_suspension_and_termination_notices(world, frozen_clock):
    case = world.case()
    frozen_clock(2026, 3, 10)
    workflow.suspend_case(case, world.users["manager"], "环评不予许可，企业调整工艺后重新编制报告书。")
    workflow.resume_case(case, world.users["manager"])
    frozen_clock(2026, 3, 20)
    workflow.terminate_case(case, world.users["manager"], "项目取消。")
    db.session.commit()
    found = {g.title: g for g in generated.available(case) if g.key.startswith("stop-")}
    suspension = flat(pdf_text(found["中止通知书"].build()))
    assert "代办服务中止通知书" in suspension and "自2026年3月10日起中止代办服务" in suspension
    assert "环评不予许可，企业调整工艺后重新编制报告书。" in suspension
    termination = flat(pdf_text(found["终止通知书"].build()))
    assert "代办服务终止通知书" in termination and "项目取消。" in termination
    assert "自2026年3月20日起终止代办服务" in termination


def test_withdrawal_gives_a_termination_notice(world):
    case = world.case()
    workflow.withdraw_case(case, world.users["owner"], "投资计划调整。")
    db.session.commit()
    (notice,) = [g for g in generated.available(case) if g.key.startswith("stop-")]
    assert "根据贵单位撤回申请，终止代办服务" in flat(pdf_text(notice.build()))


def test_change_notice_after_sealing_only(world, frozen_clock):
    case = world.case(signed=False)
    workflow.assign_agent(case, world.users["manager"], world.users["other_agent"], reason="调岗")
    db.session.commit()
    assert not [g for g in generated.available(case) if g.key.startswith("change-")]
    sealed = case.agreements[-1]
    from .factories import sign_and_seal
    sign_and_seal(case, world.users["owner"], world.users["manager"], sealed)
    frozen_clock(2099, 1, 5)
    workflow.assign_agent(case, world.users["manager"], world.users["agent"], reason="原代办员休产假")
    db.session.commit()
    (change,) = [g for g in generated.available(case) if g.key.startswith("change-")]
    text = flat(pdf_text(change.build()))
    for expected in ("代办员变更通知书", sealed.number, "原代办员陈代办", "新代办员刘代办", "原代办员休产假",
                     "2099年1月5日"):
        assert flat(expected) in text, expected


def test_case_page_lists_the_notices(client, login_as, world):
    case = world.case()
    login_as(world.users["owner"])
    page = client.get(f"/cases/{case.id}").text
    assert "一次性告知单" in page and f"/cases/{case.id}/notices/materials.pdf" in page
    assert "导出案卷" not in page and "代办服务办结单" not in page


def test_another_enterprise_gets_404(client, login_as, world):
    case = world.case()
    login_as(world.users["other_enterprise"])
    assert _download(client, case, "materials").status_code == 404
    login_as(world.users["other_manager"])
    assert _download(client, case, "materials").status_code == 404
    login_as(world.users["owner"])
    assert _download(client, case, "materials").status_code == 200
    assert _download(client, case, "nonsense").status_code == 404


def test_no_materials_notice_before_acceptance(client, login_as, world):
    case = world.case(accepted=False)
    login_as(world.users["owner"])
    assert _download(client, case, "materials").status_code == 404
