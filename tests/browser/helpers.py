"""Steps of the browser journeys, as a person takes them: each one drives the pages with
accessible selectors (labels, roles, link and button names), waits for the page it leads to,
and leaves a screenshot of every page it visits (`shoot` from conftest; None: no screenshot).

Chinese is the default locale and the browser contexts are zh-CN, so the names used here
are the Chinese ones the pages show. Other browser tests reuse these steps to bring a case
to the state they need."""
import itertools
import re
from dataclasses import dataclass

from playwright.sync_api import expect

from proxy_service.core.identifiers import uscc_check_char
from proxy_service.seed.demo import PASSWORD, pdf

from .conftest import one_time_code

# Items of the default catalogue that have no prerequisite: each can be filed at once.
ITEMS = ("项目备案", "节能审查", "水土保持方案审批")
DEMO_CENTER = "山西转型综合改革示范区晋中开发区企业服务中心"
_serials = itertools.count(1)


def valid_uscc(serial):
    """A USCC of the right shape whose GB 32100-2015 check character is right."""
    body = f"91140700MA{serial:07d}"
    return body + uscc_check_char(body)


def pdf_file(name, title, lines=("",)):
    """A small, real one-page PDF for set_input_files."""
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf(title, list(lines))}


def snap(shoot, page, name):
    """A screenshot of the page, once per name and test: a journey passes the same page in
    the same state many times (each step's form), and one picture of it is enough."""
    if shoot is None:
        return
    taken = shoot.__dict__.setdefault("journey_names", set())
    if name not in taken:
        taken.add(name)
        shoot(page, name)


def submit(page, button):
    """Click a submit button and wait for the page the form leads to (a POST, a redirect,
    the next page)."""
    with page.expect_navigation():
        button.click()


def expect_flash(page, text):
    """The message shown after a change (role status for success, alert for a warning)."""
    main = page.get_by_role("main")
    shown = main.get_by_role("status").or_(main.get_by_role("alert")).filter(has_text=text)
    expect(shown.first).to_be_visible()


def choose_option(select, text):
    """Select the option whose label contains `text` (labels carry figures around names)."""
    value = select.get_by_role("option").filter(has_text=text).first.get_attribute("value")
    select.select_option(value=value)


def press(group, name):
    """One of a row of toggle buttons (radios drawn as buttons): click the button a person
    sees; the radio behind it is then checked."""
    group.get_by_text(name, exact=True).click()
    expect(group.get_by_role("radio", name=name, exact=True)).to_be_checked()


CASE_NUMBER = re.compile(r"[A-Z]+-\d{4}-\d{5}")


def case_number(page):
    """The case number in the case page's heading."""
    return CASE_NUMBER.search(page.get_by_role("heading", level=1).inner_text()).group(0)


def case_id_of(page):
    found = re.search(r"/cases/(\d+)", page.url)
    assert found, f"not on a case page: {page.url}"
    return int(found.group(1))


@dataclass
class NewEnterprise:
    """What a new enterprise types when it registers."""
    name: str
    username: str
    uscc: str
    contact: str = "赵新"
    mobile: str = "13912345678"

    @classmethod
    def fresh(cls, tag="journey"):
        serial = next(_serials)
        return cls(name=f"晋中{tag}{serial}号新能源科技有限公司", username=f"new_{tag}{serial}",
                   uscc=valid_uscc(serial * 7919 % 10_000_000))


def log_in(page, shoot, username, password=PASSWORD):
    """Through the login page (and the code page for staff), with screenshots of both."""
    page.goto("/login")
    snap(shoot, page, "login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    submit(page, page.get_by_role("button", name="登录"))
    if page.url.rstrip("/").endswith("/login/code"):
        snap(shoot, page, "login-code")
        page.get_by_label("动态验证码").fill(one_time_code(username))
        submit(page, page.get_by_role("button", name="验证并登录"))
    assert "/login" not in page.url, f"login of {username} failed: {page.url}"
    in_chinese(page)
    snap(shoot, page, f"home-{username}")


def in_chinese(page):
    """The language is remembered per user: another test may have left this one in English.
    The journeys read the Chinese pages, so switch back through the header when needed."""
    if not (page.locator("html").get_attribute("lang") or "").startswith("zh"):
        submit(page, page.get_by_role("navigation").get_by_role("button", name="中文"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^zh"))


def open_registration(page, shoot):
    """The registration form, from the login page's link."""
    page.goto("/login")
    page.get_by_role("main").get_by_role("link", name="企业注册").click()
    page.wait_for_url("**/register")
    snap(shoot, page, "register")


def fill_registration(page, who: NewEnterprise, uscc=None, center=DEMO_CENTER):
    """Every field of the registration form (the licence too: a failed submission forgets it)."""
    page.get_by_label("企业名称").fill(who.name)
    page.get_by_role("textbox", name="统一社会信用代码").fill(uscc or who.uscc)
    page.get_by_label("法定代表人").fill("赵振国")
    page.get_by_label("企业地址").fill("山西省晋中市榆次区汇通路100号")
    page.get_by_label("选择所在园区/服务中心").select_option(label=center)
    page.get_by_label("营业执照").set_input_files(pdf_file("营业执照.pdf", "营业执照（副本）",
                                                          [who.name, who.uscc]))
    page.get_by_label("联系人", exact=True).fill(who.contact)
    page.get_by_label("联系人手机").fill(who.mobile)
    page.get_by_label("电子邮箱").fill(f"{who.username}@example.com")
    page.get_by_label("用户名").fill(who.username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("我已阅读并同意《个人信息处理说明》").check()


def submit_registration(page, shoot, who: NewEnterprise):
    """Send the filled form; lands on the new enterprise's profile, signed in."""
    snap(shoot, page, "register-filled")
    submit(page, page.get_by_role("button", name="注册", exact=True))
    expect_flash(page, "注册成功")
    expect(page.get_by_role("heading", level=1)).to_contain_text(who.name)
    snap(shoot, page, "profile")


def register(page, shoot, who: NewEnterprise):
    open_registration(page, shoot)
    fill_registration(page, who)
    submit_registration(page, shoot, who)


def verify_licence(page, shoot, enterprise_name):
    """A manager of the enterprise's center verifies it against its licence (from the
    verification queue, through the menu unless the page is already there)."""
    if "/admin/enterprises" not in page.url:
        page.get_by_role("navigation").get_by_role("link", name="企业核验").click()
        page.wait_for_url("**/admin/enterprises*")
    snap(shoot, page, "verification-queue")
    page.get_by_role("link", name=enterprise_name).click()
    page.wait_for_url(re.compile(r"/admin/enterprises/\d+$"))
    snap(shoot, page, "verification")
    page.get_by_label("通过", exact=True).check()
    page.get_by_label("说明").fill("营业执照与登记信息一致。")
    submit(page, page.get_by_role("button", name="提交核验结果"))
    expect_flash(page, f"已核验通过：{enterprise_name}")


def create_project(page, shoot, name):
    """A new investment project through 我的项目 → 新建项目; lands on the project's page."""
    page.get_by_role("navigation").get_by_role("link", name="我的项目").click()
    page.wait_for_url("**/projects")
    snap(shoot, page, "projects")
    page.get_by_role("link", name="新建项目").click()
    page.wait_for_url("**/projects/new")
    page.get_by_label("项目名称").fill(name)
    page.get_by_role("radio", name="备案类").check()
    page.get_by_label("所属行业").select_option(label="新材料")
    page.get_by_label("总投资（万元）").fill("12500.5")
    page.get_by_label("用地面积（亩）").fill("48")
    page.get_by_label("建设地点").fill("晋中开发区汇通产业园区")
    page.get_by_label("建设内容及规模").fill("新建生产车间2栋及配套用房，年产新型环保材料5万吨。")
    snap(shoot, page, "project-new")
    submit(page, page.get_by_role("button", name="保存"))
    expect_flash(page, "项目已创建")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    snap(shoot, page, "project")


def request_service(page, shoot, items=ITEMS, note="希望尽快办理立项和能评手续。"):
    """From the project's page: ask for the proxy service for exactly `items`. Returns the
    case id (the page is the new case's)."""
    page.get_by_role("main").get_by_role("link", name="申请代办").click()
    page.wait_for_url(re.compile(r"/cases/new\?project_id=\d+"))
    snap(shoot, page, "request")
    # Start from none: the template pre-ticks its own set.
    for box in page.get_by_role("group", name="委托代办的审批事项").get_by_role("checkbox").all():
        box.uncheck()
    for item in items:
        page.get_by_label(item, exact=True).check()
    page.get_by_label("备注").fill(note)
    submit(page, page.get_by_role("button", name="提交代办申请"))
    expect_flash(page, "代办申请已提交")
    case_id = case_id_of(page)
    asked = page.get_by_role("region", name="申请代办的事项").get_by_role("listitem")
    expect(asked).to_have_count(len(items))
    for item in items:
        expect(asked.filter(has_text=re.compile(rf"^\s*{re.escape(item)}\s"))).to_have_count(1)
    snap(shoot, page, "case-submitted")
    return case_id


def accept_and_assign(page, shoot, case_number, agent_name):
    """A manager finds the request in the queue, accepts it and assigns `agent_name` at once."""
    page.get_by_role("navigation").get_by_role("link", name="待受理").click()
    page.wait_for_url("**/manage/requests*")
    snap(shoot, page, "request-queue")
    row = page.get_by_role("row").filter(has_text=case_number)
    row.get_by_role("link", name="受理").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    snap(shoot, page, "case-to-accept")
    card = page.get_by_role("form", name="受理", exact=True)
    choose_option(card.get_by_label("指派代办员"), agent_name)
    card.get_by_label("受理意见（一次性告知材料与时限）").fill(
        "材料齐全，予以受理。请于 3 个工作日内补充法定代表人身份证明。")
    submit(page, card.get_by_role("button", name="受理"))
    expect_flash(page, "已受理该代办申请")
    expect(page.get_by_role("heading", level=1)).to_contain_text("待签订协议")
    snap(shoot, page, "case-accepted")


def draw_signature(page, canvas):
    """A signature drawn with the mouse: two strokes across the pad."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 100, f"the signature pad is too small: {box}"
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in (((0.1, 0.6), (0.25, 0.3), (0.4, 0.7), (0.55, 0.35)),
                   ((0.6, 0.5), (0.75, 0.4), (0.9, 0.6))):
        page.mouse.move(x0 + w * stroke[0][0], y0 + h * stroke[0][1])
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(x0 + w * fx, y0 + h * fy, steps=8)
        page.mouse.up()


def open_agreement_to_sign(page, shoot, case_id):
    """From the case page, the agreement's 签署 button: the signing page."""
    page.goto(f"/cases/{case_id}")
    snap(shoot, page, "case-to-sign")
    section = page.get_by_role("region", name="代办委托协议")
    section.get_by_role("link", name="签署", exact=True).click()
    page.wait_for_url(re.compile(r"/agreements/\d+/sign$"))
    snap(shoot, page, "sign")


def sign_as_enterprise(page, shoot, case_id, title="总经理"):
    """The enterprise signs by drawing on the signature pad; the agreement then waits for
    the center."""
    open_agreement_to_sign(page, shoot, case_id)
    page.get_by_label("职务").fill(title)
    expect(page.get_by_role("radio", name="手写签名")).to_be_checked()
    draw_signature(page, page.get_by_label(re.compile("^签名框")))
    page.get_by_label("我已完整阅读并同意本协议全部内容").check()
    page.get_by_label("登录密码（再次验证身份）").fill(PASSWORD)
    snap(shoot, page, "signed-drawn")
    submit(page, page.get_by_role("button", name="确认签署"))
    expect_flash(page, "已签署，等待服务中心会签")
    expect(page.get_by_role("region", name="签署记录").get_by_role("row")
           .filter(has_text="手写签名")).to_have_count(1)
    snap(shoot, page, "agreement-awaiting-center")


def countersign(page, shoot, case_id, username, title="中心主任"):
    """A manager counter-signs (typed name) with password and a fresh one-time code; the
    agreement is sealed and the case is in progress."""
    open_agreement_to_sign(page, shoot, case_id)
    page.get_by_label("职务").fill(title)
    page.get_by_role("radio", name="键入姓名").check()
    page.get_by_label("我已完整阅读并同意本协议全部内容").check()
    page.get_by_label("登录密码（再次验证身份）").fill(PASSWORD)
    page.get_by_label("动态验证码").fill(one_time_code(username))
    snap(shoot, page, "countersign")
    submit(page, page.get_by_role("button", name="确认签署"))
    expect_flash(page, "协议已签署完成并加盖电子签章")
    snap(shoot, page, "agreement-sealed")
    page.get_by_role("navigation", name="位置").get_by_role("link").first.click()
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("办理中")
    snap(shoot, page, "case-in-progress")


def confirm_identity(page, shoot, username):
    """On the confirmation page an export leads to: password and code again, then the page
    offers the file."""
    expect(page.get_by_role("heading", level=1)).to_have_text("确认身份")
    page.get_by_label("登录密码", exact=True).fill(PASSWORD)
    page.get_by_label("动态验证码", exact=True).fill(one_time_code(username))
    snap(shoot, page, "confirm-identity")
    submit(page, page.get_by_role("button", name="确认"))
    expect(page.get_by_text("身份已确认")).to_be_visible()
    snap(shoot, page, "identity-confirmed")


def open_step(page, case_id, item):
    """The step's update page, through its button on the case page."""
    page.goto(f"/cases/{case_id}")
    step_item(page, item).get_by_role("link", name="更新办理情况").click()
    page.wait_for_url(re.compile(r"/cases/\d+/steps/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(item)


def update_step(page, shoot, action, *, document=None, kind="批文证照", **fields):
    """On the step page: choose `action` (its label), fill `fields` (label → text), maybe
    attach a document of `kind`, save; back on the case page."""
    page.get_by_role("group", name="办理操作").get_by_label(action, exact=True).check()
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    if document is not None:
        page.get_by_label("上传批文或回执（可选）").set_input_files(document)
        page.get_by_label("文件类型").select_option(label=kind)
    snap(shoot, page, f"step-{action}")
    submit(page, page.get_by_role("button", name="保存"))
    expect_flash(page, "已更新")
    snap(shoot, page, f"case-after-{action}")


def step_item(page, item):
    """The step's entry in the case page's progress list."""
    return page.get_by_role("region", name="办理进度").get_by_role("listitem").filter(
        has=page.get_by_text(item, exact=True))


def approve(page, shoot, case_id, item, permit_no, *, document=None):
    """start → submit → approve, each through the step form (`document`: the permit)."""
    for action, fields in (("开始准备材料", {}), ("报送审批部门", {"受理号": f"SL-{permit_no}"}),
                           ("批准", {"批文/证照编号": permit_no})):
        open_step(page, case_id, item)
        update_step(page, shoot, action, document=document if action == "批准" else None,
                    **fields)
