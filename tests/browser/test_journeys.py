"""One journey across all roles, in Chromium, the way people use the site: a new enterprise
registers and asks for the service, the manager accepts and assigns, both parties sign, the
agent handles every step (one through 补正) and the enterprise rates the service poorly,
which the manager then sees as a rectification."""
import re

from playwright.sync_api import expect

from .helpers import (
    ITEMS,
    NewEnterprise,
    accept_and_assign,
    approve,
    case_number,
    countersign,
    create_project,
    expect_flash,
    log_in,
    open_step,
    pdf_file,
    press,
    register,
    request_service,
    sign_as_enterprise,
    snap,
    step_item,
    submit,
    update_step,
    verify_licence,
)


def open_rectifications(page, shoot):
    """The figure 未结整改 (open rectifications) on the manager's dashboard."""
    page.get_by_role("navigation").get_by_role("link", name="看板").click()
    page.wait_for_url("**/manage/dashboard*")
    snap(shoot, page, "dashboard")
    figure = page.locator("#headline .card").filter(has_text="未结整改").get_by_role("definition")
    return int(re.match(r"\s*(\d+)", figure.inner_text()).group(1))


def test_a_case_from_registration_to_a_poor_rating(new_context, shoot):
    enterprise, manager, agent = (new_context().new_page() for _ in range(3))
    who = NewEnterprise.fresh("journey")

    # The enterprise registers, typing a USCC with a valid check character.
    register(enterprise, shoot, who)
    expect(enterprise.get_by_role("status").filter(has_text="企业信息待核验")).to_be_visible()

    # A manager of its center verifies the licence before the request goes through.
    log_in(manager, shoot, "manager")
    verify_licence(manager, shoot, who.name)
    rectifications_before = open_rectifications(manager, shoot)

    # The enterprise describes its project and asks for several items.
    project = f"{who.name}年产5万吨环保材料项目"
    create_project(enterprise, shoot, project)
    case_id = request_service(enterprise, shoot)
    expect(enterprise.get_by_role("heading", level=1)).to_contain_text("待受理")
    number = case_number(enterprise)

    # The manager accepts it from the queue and assigns an agent in the same form.
    accept_and_assign(manager, shoot, number, "刘晓东")

    # The enterprise draws its signature; the center counter-signs and seals.
    sign_as_enterprise(enterprise, shoot, case_id)
    countersign(manager, shoot, case_id, "manager")

    # The agent works the steps from the inbox.
    log_in(agent, shoot, "agent1")
    row = agent.get_by_role("row").filter(has_text=number).filter(has_text=ITEMS[0])
    expect(row).to_be_visible()
    row.get_by_role("link", name="办理").click()
    agent.wait_for_url(re.compile(rf"/cases/{case_id}/steps/\d+$"))
    snap(shoot, agent, "step-from-inbox")

    permit = pdf_file("项目备案证明.pdf", "企业投资项目备案证明", ["备案号：JZ-BA-2025-001"])
    approve(agent, shoot, case_id, ITEMS[0], "JZ-BA-2025-001", document=permit)
    first = step_item(agent, ITEMS[0])
    expect(first).to_contain_text("已批准")
    expect(first).to_contain_text("JZ-BA-2025-001")
    expect(first.get_by_role("link", name="项目备案证明.pdf")).to_be_visible()

    # 补正: filed, returned with what to correct, corrected by the enterprise, filed again.
    second = ITEMS[1]
    for action, fields in (("开始准备材料", {}), ("报送审批部门", {"受理号": "JN-2025-118"})):
        open_step(agent, case_id, second)
        update_step(agent, shoot, action, **fields)
    open_step(agent, case_id, second)
    update_step(agent, shoot, "退回补正", **{"需补正内容": "节能报告缺少年综合能源消费量测算表，请补充后上传。"})

    # The enterprise sees the approval with its permit, and what it must correct.
    enterprise.goto(f"/cases/{case_id}")
    expect(step_item(enterprise, ITEMS[0])).to_contain_text("JZ-BA-2025-001")
    expect(step_item(enterprise, ITEMS[0]).get_by_role("link", name="项目备案证明.pdf")).to_be_visible()
    returned = step_item(enterprise, second)
    expect(returned).to_contain_text("需企业补正")
    expect(returned).to_contain_text("年综合能源消费量测算表")
    snap(shoot, enterprise, "case-returned")
    returned.get_by_role("link", name="上传补正材料").click()
    enterprise.wait_for_url(re.compile(r"upload_step=\d+"))
    upload = enterprise.get_by_role("region", name="材料与批文")
    expect(upload.get_by_label("材料类别")).to_have_value("correction")
    expect(upload.get_by_label("所属事项").locator("option:checked")).to_have_text(second)
    upload.get_by_label("文件").set_input_files(
        pdf_file("能源消费量测算表.pdf", "年综合能源消费量测算表", ["折标准煤 1850 吨"]))
    snap(shoot, enterprise, "correction-upload")
    submit(enterprise, upload.get_by_role("button", name="上传"))
    expect_flash(enterprise, "已上传“能源消费量测算表.pdf”")
    snap(shoot, enterprise, "correction-uploaded")

    # The agent finds the corrected material under the step and files it again.
    agent.goto(f"/cases/{case_id}")
    expect(step_item(agent, second).get_by_role("link", name="能源消费量测算表.pdf")).to_be_visible()
    open_step(agent, case_id, second)
    update_step(agent, shoot, "报送审批部门")
    open_step(agent, case_id, second)
    update_step(agent, shoot, "批准", **{"批文/证照编号": "JN-SC-2025-042"})
    expect(step_item(agent, second)).to_contain_text("已批准")

    approve(agent, shoot, case_id, ITEMS[2], "STBC-2025-077")
    expect(agent.get_by_role("heading", level=1)).to_contain_text("已办结")
    snap(shoot, agent, "case-completed")

    # The enterprise follows its case on the status page and takes the completion form.
    enterprise.get_by_role("navigation").get_by_role("link", name="我的代办").click()
    enterprise.wait_for_url("**/cases")
    snap(shoot, enterprise, "my-cases")
    enterprise.get_by_role("link", name=number).click()
    enterprise.wait_for_url(f"**/cases/{case_id}")
    expect(enterprise.get_by_role("heading", level=1)).to_contain_text("已办结")
    stepper = enterprise.get_by_role("region", name="办理进度")
    for item in ITEMS:
        expect(step_item(enterprise, item)).to_contain_text("已批准")
    expect(stepper.get_by_role("listitem").filter(has_text="3 / 3 项")).to_have_count(1)
    snap(shoot, enterprise, "status-completed")
    with enterprise.expect_download() as download:
        enterprise.get_by_role("region", name="文书").get_by_role(
            "link", name="代办服务办结单").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith("代办服务办结单.pdf")

    # A poor rating.
    enterprise.get_by_role("region", name="服务评价").get_by_role("link", name="去评价").click()
    enterprise.wait_for_url(f"**/cases/{case_id}/evaluation")
    press(enterprise.get_by_role("group", name="总体评价"), "不满意")
    for part in ("办事效率", "服务态度", "专业水平"):
        press(enterprise.get_by_role("group", name=part), "2")
    enterprise.get_by_label("意见和建议（可选）").fill("补正要求前后不一致，多跑了一趟。")
    snap(shoot, enterprise, "evaluation")
    submit(enterprise, enterprise.get_by_role("button", name="提交评价"))
    expect_flash(enterprise, "服务中心将在 15 个工作日内")
    expect(enterprise.get_by_role("region", name="服务评价")).to_contain_text("差评整改")
    snap(shoot, enterprise, "evaluated")

    # The manager sees it: one more open rectification on the dashboard, and in the list.
    assert open_rectifications(manager, shoot) == rectifications_before + 1
    snap(shoot, manager, "dashboard-after")
    manager.get_by_role("navigation").get_by_role("link", name="差评整改").click()
    manager.wait_for_url("**/quality/rectifications*")
    row = manager.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("不满意")
    expect(row).to_contain_text(who.name)
    snap(shoot, manager, "rectifications")
    row.get_by_role("link", name=number).click()
    manager.wait_for_url(re.compile(r"/quality/rectifications/\d+$"))
    expect(manager.get_by_role("main")).to_contain_text("补正要求前后不一致，多跑了一趟。")
    snap(shoot, manager, "rectification")
