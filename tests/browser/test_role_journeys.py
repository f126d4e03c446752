"""One short journey per role, in Chromium: what an enterprise, an agent and a manager each do
most days, with the checks a person makes by looking at the page."""
import csv
import re

from playwright.sync_api import expect

from .helpers import (
    ITEMS,
    NewEnterprise,
    case_number,
    choose_option,
    confirm_identity,
    create_project,
    expect_flash,
    fill_registration,
    log_in,
    open_registration,
    pdf_file,
    register,
    request_service,
    snap,
    step_item,
    submit,
    submit_registration,
    update_step,
    verify_licence,
)


def test_enterprise_registers_requests_and_follows_the_status(page, shoot):
    who = NewEnterprise.fresh("ent")
    open_registration(page, shoot)

    # A mistyped code (last character wrong) is held back with a warning tied to the field.
    wrong = who.uscc[:17] + ("0" if who.uscc[17] != "0" else "1")
    fill_registration(page, who, uscc=wrong)
    submit(page, page.get_by_role("button", name="注册", exact=True))
    expect(page.get_by_role("alert").filter(has_text="校验位与国家标准计算结果不符")).to_be_visible()
    confirm = page.get_by_label("我确认统一社会信用代码无误")
    expect(confirm).to_have_accessible_description(re.compile("校验位"))
    snap(shoot, page, "register-check-warning")
    # Corrected, it goes through (the licence must be chosen again after a failed submission).
    fill_registration(page, who)
    submit_registration(page, shoot, who)

    project = f"{who.name}研发中心项目"
    create_project(page, shoot, project)
    case_id = request_service(page, shoot, items=ITEMS[:2], note="")

    # The status page: waiting for the center, no agent yet, the request on the timeline.
    expect(page.get_by_role("heading", level=1)).to_contain_text("待受理")
    expect(page.get_by_role("definition").filter(has_text="待指派")).to_be_visible()
    expect(page.get_by_role("region", name="办理记录")).to_contain_text("提交代办申请")
    number = case_number(page)

    # The case list shows it and leads back to it; the project cannot be asked for twice.
    page.get_by_role("navigation").get_by_role("link", name="我的代办").click()
    page.wait_for_url("**/cases")
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("待受理")
    expect(row).to_contain_text(project)
    snap(shoot, page, "my-cases")
    row.get_by_role("link", name=number).click()
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("待受理")
    page.get_by_role("navigation").get_by_role("link", name="我的代办").click()
    page.wait_for_url("**/cases")
    page.get_by_role("main").get_by_role("link", name="申请代办").click()
    page.wait_for_url("**/cases/new")
    busy = page.get_by_role("main").locator(".list-group-item").filter(has_text=project)
    expect(busy).to_contain_text("已有进行中的代办")
    expect(busy.get_by_role("link")).to_have_count(0)
    snap(shoot, page, "request-choose-project")


def test_agent_files_a_step_with_its_receipt(page, shoot):
    log_in(page, shoot, "agent1")
    expect(page.get_by_role("heading", level=1)).to_have_text("待办事项")
    steps = page.get_by_role("region", name="需要办理的审批环节")
    row = steps.get_by_role("row").filter(has=page.get_by_text("材料准备中", exact=True)).first
    item = row.get_by_role("cell").nth(3).inner_text().strip()
    number = row.get_by_role("cell").first.inner_text().strip()
    row.get_by_role("link", name="办理").click()
    page.wait_for_url(re.compile(r"/cases/\d+/steps/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(item)
    expect(page.get_by_role("heading", level=1)).to_contain_text("材料准备中")
    case_path = page.get_by_role("navigation", name="位置").get_by_role(
        "link", name=number).get_attribute("href")

    receipt = pdf_file("受理回执.pdf", "受理通知书", ["受理号：XF-2025-0931"])
    update_step(page, shoot, "报送审批部门", document=receipt, kind="受理回执",
                **{"受理号": "XF-2025-0931", "办理说明": "材料已齐，今日报送住建局窗口。"})
    assert page.url.endswith(case_path)

    filed = step_item(page, item)
    expect(filed).to_contain_text("已报送审批")
    expect(filed).to_contain_text("XF-2025-0931")
    expect(filed.get_by_role("link", name="受理回执.pdf")).to_be_visible()
    expect(page.get_by_role("region", name="留言")).to_contain_text("材料已齐，今日报送住建局窗口。")
    with page.expect_download() as download:
        filed.get_by_role("link", name="受理回执.pdf").click()
    with open(download.value.path(), "rb") as receipt_pdf:
        assert receipt_pdf.read(5) == b"%PDF-"

    # Back in the inbox the step now runs against the department's clock.
    page.get_by_role("navigation").get_by_role("link", name="待办事项").click()
    page.wait_for_url("**/inbox")
    row = steps.get_by_role("row").filter(has_text=number).filter(has_text=item)
    expect(row).to_contain_text("已报送审批")
    expect(row).to_contain_text("到期")
    snap(shoot, page, "inbox-after")


def test_manager_accepts_assigns_and_reads_the_figures(new_context, shoot):
    enterprise, manager = new_context().new_page(), new_context().new_page()
    who = NewEnterprise.fresh("mgr")
    register(enterprise, shoot, who)
    create_project(enterprise, shoot, f"{who.name}仓储中心项目")
    case_id = request_service(enterprise, shoot)
    number = case_number(enterprise)

    log_in(manager, shoot, "manager")
    manager.get_by_role("navigation").get_by_role("link", name="工作量").click()
    manager.wait_for_url("**/manage/workload")
    before = workload(manager, "赵磊")
    snap(shoot, manager, "workload-before")

    # The queue: the new request, its enterprise not verified yet.
    manager.get_by_role("navigation").get_by_role("link", name="待受理").click()
    manager.wait_for_url("**/manage/requests*")
    row = manager.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("待核验")
    expect(row.get_by_role("cell").nth(4)).to_have_text(str(len(ITEMS)))   # 申请事项数
    snap(shoot, manager, "request-queue")
    row.get_by_role("link", name="受理").click()
    manager.wait_for_url(f"**/cases/{case_id}")
    warning = manager.get_by_role("alert").filter(has_text="企业营业执照尚未核验")
    expect(warning).to_be_visible()
    snap(shoot, manager, "case-unverified")

    # The warning leads to the verification; then back to the request.
    warning.get_by_role("link", name="前往企业核验").click()
    manager.wait_for_url("**/admin/enterprises")
    verify_licence(manager, shoot, who.name)
    manager.goto(f"/cases/{case_id}")
    expect(manager.get_by_role("alert").filter(has_text="企业营业执照尚未核验")).to_have_count(0)
    accept = manager.get_by_role("form", name="受理", exact=True)
    choose_option(accept.get_by_label("指派代办员"), "赵磊")
    accept.get_by_label("受理意见（一次性告知材料与时限）").fill("予以受理。")
    snap(shoot, manager, "case-accept")
    submit(manager, accept.get_by_role("button", name="受理"))
    expect_flash(manager, "已受理该代办申请")
    expect(manager.get_by_role("heading", level=1)).to_contain_text("待签订协议")
    expect(manager.get_by_role("region", name="案件处理").get_by_role("row")
           .filter(has_text="赵磊")).to_have_count(1)
    expect(manager.get_by_role("region", name="代办委托协议").get_by_role(
        "link", name=re.compile(r"代办委托协议 [A-Z]+-DB-"))).to_be_visible()
    snap(shoot, manager, "case-assigned")

    # The workload counts the new case and its steps for the agent.
    manager.get_by_role("navigation").get_by_role("link", name="工作量").click()
    manager.wait_for_url("**/manage/workload")
    after = workload(manager, "赵磊")
    assert (after[0], after[1]) == (before[0] + 1, before[1] + len(ITEMS))
    snap(shoot, manager, "workload-after")

    # The dashboard, and its lists as files.
    manager.get_by_role("navigation").get_by_role("link", name="看板").click()
    manager.wait_for_url("**/manage/dashboard*")
    expect(manager.get_by_role("heading", level=1)).to_contain_text("管理看板")
    snap(shoot, manager, "dashboard")
    # Exporting asks for the password and code again, once for the next few minutes.
    manager.get_by_role("link", name="代办员工作量 CSV").click()
    manager.wait_for_url(re.compile(r"/confirm\?next="))
    confirm_identity(manager, shoot, "manager")
    with manager.expect_download() as download:
        manager.get_by_role("link", name="下载文件").click()
    with open(download.value.path(), encoding="utf-8-sig") as export:
        table = list(csv.reader(export))
    assert table[0][0] == "代办员"
    assert any(line[0] == "赵磊" for line in table[1:])
    manager.get_by_role("navigation").get_by_role("link", name="看板").click()
    manager.wait_for_url("**/manage/dashboard*")
    with manager.expect_download() as download:   # confirmed already: straight to the file
        manager.get_by_role("link", name="案件 XLSX").click()
    with open(download.value.path(), "rb") as sheet:
        assert sheet.read(2) == b"PK"   # a zip: the xlsx container
    assert download.value.suggested_filename.endswith(".xlsx")


def workload(page, agent):
    """(open cases, open steps) of `agent` on the workload page."""
    cells = page.get_by_role("row").filter(has_text=agent).get_by_role("cell")
    return int(cells.nth(1).inner_text()), int(cells.nth(2).inner_text())
