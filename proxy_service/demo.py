"""Demo data for `flask seed-demo`: two centers, their staff, three enterprises and cases in
every status. Cases move only through the workflow verbs, so the audit trail is real; the
clock is frozen at earlier working days so that the history spreads over the last weeks.
"""
import io
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from . import clock, registration, workdays, workflow
from .auth import twofactor
from .catalog_seed import ensure_industries, seed_center_catalog
from .demo_quality import quality_story, quick_case, quick_projects
from .demo_agreements import showcase_supplement, sign_on_paper, sign_online, signing_cases
from .documents.seal import init_center_seal
from .extensions import db
from .models import (ApprovalItem, AuditEvent, CaseTemplate, Center, Enterprise, EnterpriseClaim,
                     FilingType, Industry, Message, Project, Role, User)
from .uploads import store_document

PASSWORD = "demo1234"
# The authenticator secret of every demo staff login (base32; printed by seed-demo).
DEMO_TOTP_SECRET = "PROXYSERVICEDEMOPROXYSERVICEDEMO"

CENTERS = (
    dict(name="山西转型综合改革示范区晋中开发区企业服务中心", short_name="晋中开发区企业服务中心",
         zone="山西转型综合改革示范区晋中开发区", number_prefix="JZKFQ", person_in_charge="张志刚",
         address="山西省晋中市榆次区汇通路与迎宾街交汇处开发区政务服务大厅", phone="0354-3061234"),
    dict(name="山西转型综合改革示范区阳曲产业园区企业服务中心", short_name="阳曲产业园区企业服务中心",
         zone="山西转型综合改革示范区阳曲产业园区", number_prefix="YQCYY", person_in_charge="高文斌",
         address="山西省太原市阳曲县大盂镇产业园区管委会服务大厅", phone="0351-7561234"),
)
# (username, role, center index, name, mobile)
STAFF = (
    ("manager", Role.MANAGER, 0, "王建华", "13835410001"),
    ("agent1", Role.AGENT, 0, "刘晓东", "13835410011"), ("agent2", Role.AGENT, 0, "陈静", "13835410012"),
    ("agent3", Role.AGENT, 0, "赵磊", "13835410013"),
    ("manager2", Role.MANAGER, 1, "马丽", "13903510021"),
    ("agent4", Role.AGENT, 1, "杨帆", "13903510031"),
)
# username → enterprise; the USCC's check character is computed from the first 17.
ENTERPRISES = {
    "ent1": dict(name="山西绿碳环保科技有限公司", uscc="91140700MA0K3XYD2", legal_representative="陈国梁",
                 address="山西省晋中市榆次区汇通产业园区汇通路88号", contact_person="李明",
                 mobile="13935412266", email="liming@lvtan.example.com"),
    "ent2": dict(name="山西华晟光伏科技有限公司", uscc="91140700MA0JX8E46", legal_representative="王海峰",
                 address="山西省晋中市榆次区潇河产业园区创业大街16号", contact_person="周婷",
                 mobile="13803541872", email="zhouting@huasheng-pv.example.com"),
    "ent3": dict(name="晋中康瑞生物医药有限公司", uscc="91140700MA0L2B7R5", legal_representative="孙立新",
                 address="山西省晋中市榆次区大学城产业园区文华街9号", contact_person="孙浩",
                 mobile="15935426630", email=""),
}
# key: (owner, center index, name, industry, 万元, 亩, location, content, 标准地, code serial)
PROJECTS = {
    "park": ("ent1", 0, "尚风绿谷碳中和环保科技产业园项目", "新材料", "150000", "320", "晋中开发区汇通产业园区",
             "新建碳中和环保科技研发中心、生物可降解材料生产车间6栋及仓储配套用房，总建筑面积约18.6万平方米，"
             "建成后年产生物可降解材料10万吨。", True, 372615),
    "equipment": ("ent1", 0, "绿碳环保装备制造基地（一期）项目", "高端装备制造", "28000", "85",
                  "晋中开发区潇河产业园区", "新建环保装备生产车间2栋及办公楼，购置数控加工中心、激光切割等设备"
                  "120台（套），年产除尘脱硫成套设备300套。", False, 215408),
    "recycling": ("ent1", 0, "绿碳固废资源化利用示范线项目", "新材料", "9800", "40", "晋中开发区汇通产业园区",
                  "利用园区工业固废建设年处理20万吨资源化利用示范线，生产新型墙体材料。", False, None),
    "cells": ("ent2", 0, "年产2GW高效异质结光伏电池项目", "光伏电池及其组件", "260000", "410",
              "晋中开发区潇河产业园区", "新建异质结电池生产车间、动力站、化学品库及配套设施，建成年产2GW"
              "高效异质结光伏电池生产线。", True, 401377),
    "warehouse": ("ent2", 1, "光伏组件智能仓储物流中心项目", "现代物流", "36000", "120", "阳曲产业园区",
                  "新建智能立体仓库3栋、分拣中心及配套用房，配置自动化立体货架与AGV搬运系统，年周转光伏组件5GW。",
                  False, 118264),
    "frames": ("ent2", 0, "光伏边框铝型材配套项目", "新材料", "12000", "60", "晋中开发区汇通产业园区",
               "新建铝棒熔铸及型材挤压生产线2条，年产光伏组件边框铝型材3万吨。", False, None),
    "operations": ("ent2", 0, "分布式光伏运维服务中心项目", "现代服务业", "3500", "12",
                   "晋中开发区大学城产业园区", "建设分布式光伏电站智能运维调度中心及备件库，开发运维监控平台。",
                   False, None),
    "glass": ("ent2", 0, "光伏玻璃深加工项目", "光伏电池及其组件", "45000", "130", "晋中开发区潇河产业园区",
              "新建光伏玻璃镀膜、钢化深加工生产线4条，年产光伏玻璃3000万平方米。", False, 305512),
    "pharma": ("ent3", 0, "康瑞生物医药产业化基地项目", "生物医药及大健康", "68000", "150",
               "晋中开发区大学城产业园区", "新建GMP标准固体制剂车间、中药提取车间、质检研发楼及配套设施，"
               "年产片剂20亿片、胶囊10亿粒。", False, None),
}
REGION_CODES = ("140700", "140122")   # 晋中市, 阳曲县: part of the 项目代码


def load_demo():
    """Create the demo data and commit. Returns False, creating nothing, when a center with
    prefix JZKFQ already exists. The clock is left running (unfrozen) whatever happens."""
    if db.session.scalar(select(Center.id).where(Center.number_prefix == "JZKFQ")) is not None:
        return False
    try:
        builder = Builder(clock.today())
        builder.people()
        builder.cases()
        db.session.commit()
    finally:
        clock.freeze(None)
    return True


def is_workday(day):
    """The application's own calendar, so that story days and due dates count alike."""
    return workdays.is_workday(day)


def pdf(title, lines):
    """A one-page A4 PDF in Chinese, marked as demo material."""
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    page.setFont("STSong-Light", 22)
    page.drawCentredString(width / 2, height - 100, title)
    page.setFont("STSong-Light", 12)
    for number, line in enumerate(lines):
        page.drawString(80, height - 160 - number * 24, line)
    page.drawString(80, 80, "本文件为系统演示数据，不具有法律效力。")
    page.showPage()
    page.save()
    return buffer.getvalue()


class Builder:
    """Creates the demo world. Story days are counted in working days before today, and
    `travel` freezes the clock there, so every event gets a plausible office-hours time."""

    def __init__(self, today):
        self.today, self.users, self.enterprises, self.projects = today, {}, {}, {}

    def travel(self, days_ago, hour=10):
        """Freeze the clock at `hour` (Beijing) on the `days_ago`-th working day before today:
        counting working days keeps distinct story days distinct across long holidays."""
        day = self.today
        for _ in range(days_ago):
            day -= timedelta(days=1)
            while not is_workday(day):
                day -= timedelta(days=1)
        clock.freeze(datetime.combine(day, time(hour), clock.BEIJING).astimezone(timezone.utc))

    def user(self, username, role, name, mobile, center=None, enterprise=None):
        user = User(username=username, role=role, name=name, phone=mobile, center=center,
                    enterprise=enterprise)
        user.set_password(PASSWORD)
        db.session.add(user)
        self.users[username] = user
        return user

    def people(self):
        self.travel(90)
        centers = [Center(**fields) for fields in CENTERS]
        db.session.add_all(centers)
        db.session.flush()
        ensure_industries()
        for center in centers:
            seed_center_catalog(center)
            init_center_seal(center)   # a development seal, so that agreements can be sealed
        for username, role, index, name, mobile in STAFF:
            staff = self.user(username, role, name, mobile, center=centers[index])
            db.session.flush()
            # One shared, published secret so that a person trying the demo can add the staff
            # logins to an authenticator app (README); never do this with real accounts.
            twofactor.enrol_with_secret(staff, DEMO_TOTP_SECRET)
        self.centers = centers
        for days_ago, username in ((75, "ent1"), (73, "ent2"), (3, "ent3")):
            self.enterprise(days_ago, username)
        for days_ago, username in ((74, "ent1"), (72, "ent2")):
            self.travel(days_ago, 15)
            registration.verify_enterprise(self.enterprises[username], self.users["manager"],
                                           approve=True, note="已核对营业执照原件，登记信息一致。")
        for key, row in PROJECTS.items():
            self.project(key, *row)
        self.claim()

    def enterprise(self, days_ago, username):
        self.travel(days_ago, 9)
        fields = dict(ENTERPRISES[username])
        fields["uscc"] += registration.uscc_check_char(fields["uscc"])
        enterprise = Enterprise(**fields, home_center=self.centers[0],
                                privacy_consent_at=clock.now())
        db.session.add(enterprise)
        user = self.user(username, Role.ENTERPRISE, fields["contact_person"], fields["mobile"],
                         enterprise=enterprise)
        db.session.flush()
        self.licence(user, enterprise, fields)
        self.enterprises[username] = enterprise

    def licence(self, uploader, enterprise, fields):
        data = pdf("营业执照（演示）", [
            f"名称：{fields['name']}", f"统一社会信用代码：{fields['uscc']}",
            f"法定代表人：{fields['legal_representative']}", f"住所：{fields['address']}",
            "类型：有限责任公司（自然人投资或控股）"])
        return self.upload(data, "营业执照.pdf", "licence", uploader, enterprise=enterprise)

    def upload(self, data, filename, kind, uploader, **where):
        upload = FileStorage(io.BytesIO(data), filename=filename, content_type="application/pdf")
        return store_document(upload, kind=kind, uploader=uploader, **where)

    def project(self, key, owner, center_index, name, industry, investment, land, location, content,
                standard_land, serial):
        self.travel(70 if owner != "ent3" else 3, 11)
        code = ""
        if serial:
            code = f"{clock.today():%y%m}-{REGION_CODES[center_index]}-89-01-{serial:06d}"
        self.projects[key] = project = Project(
            enterprise=self.enterprises[owner], center=self.centers[center_index], name=name,
            code=code,
            industry=db.session.scalar(select(Industry).where(Industry.name == industry)),
            total_investment=Decimal(investment), land_area=Decimal(land), location=location,
            content=content, planned_start=self.today + timedelta(days=90),
            standard_land=standard_land, filing_type=FilingType.RECORD)
        db.session.add(project)
        db.session.flush()

    def claim(self):
        """Someone registers with ent2's USCC: the managers must decide who the real company is."""
        self.travel(1, 16)
        fields = ENTERPRISES["ent2"]
        claimant = self.user("claimant", Role.ENTERPRISE, "吴刚", "13703541199")
        db.session.flush()
        uscc = fields["uscc"] + registration.uscc_check_char(fields["uscc"])
        licence = self.licence(claimant, None, {**fields, "uscc": uscc})
        db.session.add(EnterpriseClaim(
            enterprise=self.enterprises["ent2"], claimant=claimant, claimed_name=fields["name"],
            legal_representative=fields["legal_representative"], contact_person="吴刚",
            mobile="13703541199", licence_document_id=licence.id))
        db.session.flush()

    # --- cases ---------------------------------------------------------------

    def item(self, center, name):
        """The center's item whose name starts with `name` (the short names used below)."""
        items = db.session.scalars(select(ApprovalItem).where(ApprovalItem.center_id == center.id)
                                   .order_by(ApprovalItem.sort))
        return next(item for item in items if item.name.startswith(name))

    def submit(self, key, days_ago, names, note, template=None):
        self.travel(days_ago, 9)
        project = self.projects[key]
        owner = next(user for user in project.enterprise.users if user.is_enterprise)
        template = template and db.session.scalar(select(CaseTemplate).where(
            CaseTemplate.center_id == project.center_id, CaseTemplate.name == template))
        return workflow.submit_case(
            project, owner, items=[self.item(project.center, name) for name in names],
            contact_name=project.enterprise.contact_person,
            contact_mobile=project.enterprise.mobile, note=note, template=template)

    def accept(self, case, days_ago, manager, agent=None, comment=""):
        self.travel(days_ago, 10)
        workflow.accept_case(case, self.users[manager], comment=comment,
                             agent=self.users[agent] if agent else None)

    def run(self, case, actor, moves):
        """moves: (days_ago, item name, action, details); same-day moves an hour apart."""
        hours = {}
        for days_ago, name, action, *details in sorted(moves, key=lambda move: -move[0]):
            hours[days_ago] = hours.get(days_ago, 8) + 1
            self.travel(days_ago, hours[days_ago])
            fields = {field: value.replace("{y}", str(clock.today().year))
                      if isinstance(value, str) else value
                      for field, value in (details[0] if details else {}).items()}
            step = self.step(case, name)
            workflow.update_step(step, self.users[actor], seen_version=step.version,
                                 action=action, **fields)

    def step(self, case, name):
        return next(step for step in case.steps if step.item.name.startswith(name))

    def message(self, case, days_ago, author, body, internal=False, step=None, hour=15):
        """As the case page records it; a note written on a step's form is a Message only."""
        self.travel(days_ago, hour)
        author = self.users[author]
        db.session.add(Message(case_id=case.id, author_id=author.id, body=body, internal=internal,
                               step_id=step and self.step(case, step).id))
        if step is None:
            db.session.add(AuditEvent.record(author, case, "note" if internal else "message",
                                             comment=body, internal=internal))
        db.session.flush()

    def step_pdf(self, case, days_ago, step, kind, title, lines, uploader, hour=16):
        self.travel(days_ago, hour)
        data = pdf(title, [f"项目名称：{case.project.name}", *lines])
        self.upload(data, f"{title}.pdf", kind, self.users[uploader], case=case,
                    step=self.step(case, step))
        db.session.flush()   # the upload's audit event takes its time at flush

    def cases(self):
        # In order of submission, so that case numbers follow the dates.
        for script in (completed_case, quick_projects, quick_case("refit"), quick_case("lab"),
                       withdrawn_case, quick_case("dorm"), showcase_case, suspended_case,
                       declined_case, second_center_case, quick_case("hazardous"),
                       signing_cases, waiting_cases, quality_story):
            script(self)


# --- the cases, one story each -------------------------------------------------
# Moves are (working days ago, item name, action[, details]); "{y}" becomes the year.

def completed_case(b):
    """ent1's first project: every step approved or not required, so the case completed."""
    case = b.submit("equipment", 62, ["项目备案", "建设用地规划许可证", "建设工程规划许可证",
                                      "消防设计审查", "人防工程设计审查", "施工许可证"],
                    "一期厂房计划两个月内开工，委托全程代办。", template="备案类工业项目")
    b.accept(case, 61, "manager", "agent3", "已一次性告知各事项所需材料及承诺时限。")
    sign_online(b, case, 61)
    b.run(case, "agent3", [
        (60, "项目备案", "start"), (60, "项目备案", "submit", {"acceptance_no": "JZKFQ-BA-{y}-0158"}),
        (59, "项目备案", "approve", {"permit_no": "晋开审备〔{y}〕58号"}),
        (58, "建设用地规划许可证", "start"),
        (57, "建设用地规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0231号"}),
        (53, "建设用地规划许可证", "approve", {"permit_no": "地字第140700{y}00042号"}),
        (52, "人防工程设计审查", "skip",
         {"not_required_reason": "单层工业厂房，不属于应修建防空地下室的民用建筑。"}),
        (52, "建设工程规划许可证", "start"),
        (51, "建设工程规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0266号"}),
        (47, "建设工程规划许可证", "approve", {"permit_no": "建字第140700{y}00057号"}),
        (50, "消防设计审查", "start"),
        (48, "消防设计审查", "submit", {"acceptance_no": "晋开消审受〔{y}〕036号"}),
        (40, "消防设计审查", "approve", {"permit_no": "晋开住建消审字〔{y}〕第0036号"}),
        (39, "施工许可证", "start"), (38, "施工许可证", "submit", {"acceptance_no": "施许受〔{y}〕0412号"}),
        (36, "施工许可证", "approve", {"permit_no": "140700{y}08120101"})])
    b.step_pdf(case, 36, "施工许可证", "permit", "建筑工程施工许可证（演示）",
               ["建设单位：山西绿碳环保科技有限公司", "建设规模：厂房2栋、办公楼1栋"], "agent3")
    b.message(case, 36, "agent3", "全部事项已办结，证照原件已交企业，请对本次代办服务进行评价。", hour=17)
    b.message(case, 35, "ent1", "施工许可证已收到，感谢代办团队的高效服务！")
    b.completed = case   # rated in demo_quality.quality_story


def withdrawn_case(b):
    """ent2 withdraws an in-progress case: terminated by the enterprise."""
    case = b.submit("glass", 45, ["项目备案", "建设用地规划许可证", "环境影响评价（报告表）"],
                    "请协助办理前期手续。")
    b.accept(case, 44, "manager", "agent3")
    sign_online(b, case, 44, drawn=False)
    b.run(case, "agent3", [
        (43, "项目备案", "start"), (43, "项目备案", "submit", {"acceptance_no": "JZKFQ-BA-{y}-0247"}),
        (42, "项目备案", "approve", {"permit_no": "晋开审备〔{y}〕97号"}),
        (40, "建设用地规划许可证", "start")])
    b.travel(30, 14)
    workflow.withdraw_case(case, b.users["ent2"], "公司调整投资计划，该项目暂缓实施，申请撤回代办委托。")


def showcase_case(b):
    """ent1's 尚风绿谷 park: agent2 starts it, then the manager re-assigns it to agent1."""
    case = b.submit("park", 40, ["项目备案", "建设用地规划许可证", "不动产权证", "节能审查",
                                 "水土保持方案审批", "环境影响评价（报告表）", "防雷装置设计审核",
                                 "建设工程规划许可证", "消防设计审查", "施工许可证", "供电接入"],
                    "项目已摘牌取得标准地并签订出让合同，计划年内开工，恳请中心全程代办。",
                    template="标准地项目")
    b.message(case, 40, "ent1", "我是项目联系人李明，手机13935412266，材料可随时到中心对接。")
    b.accept(case, 39, "manager", "agent2", "已一次性告知：标准地项目按承诺制办理节能审查、水土保持方案。")
    sign_online(b, case, 39, seal=True)
    b.message(case, 39, "manager", "企业已签订出让合同，节能、水保走承诺制。先由陈静对接。", internal=True)
    b.run(case, "agent2", [
        (38, "项目备案", "start"), (38, "项目备案", "submit", {"acceptance_no": "JZKFQ-BA-{y}-0311"}),
        (37, "项目备案", "approve", {"permit_no": "晋开审备〔{y}〕131号"}),
        (36, "建设用地规划许可证", "start")])
    b.step_pdf(case, 37, "项目备案", "permit", "企业投资项目备案证明（演示）",
               [f"项目代码：{case.project.code}", "备案机关：开发区行政审批局"], "agent2")
    b.travel(33, 9)
    workflow.assign_agent(case, b.users["manager"], b.users["agent1"],
                          reason="陈静抽调新能源汽车专班，工作量饱和，改由刘晓东负责。")
    b.message(case, 33, "agent1", "李经理您好，我是代办员刘晓东，即日起由我负责本项目后续事项。")
    showcase_after_reassignment(b, case)
    showcase_supplement(b, case, 5)


def showcase_after_reassignment(b, case):
    """Leaves steps approved (two by commitment), not required, returned, preparing and
    pending, and three submitted ones whose lights are red, yellow and green whatever day
    the demo is loaded: due dates count from today (供电接入 3 working days overdue,
    不动产权证 due on the next working day, 建设工程规划许可证 3 working days left).
    Messages go both ways, with internal notes."""
    b.run(case, "agent1", [
        (32, "建设用地规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0418号"}),
        (28, "建设用地规划许可证", "approve", {"permit_no": "地字第140700{y}00089号"}),
        (31, "节能审查", "start"), (30, "节能审查", "submit", {"acceptance_no": "能审承〔{y}〕015号"}),
        (29, "节能审查", "approve", {"permit_no": "晋开审能承〔{y}〕15号", "by_commitment": True}),
        (30, "水土保持方案审批", "start"),
        (29, "水土保持方案审批", "submit", {"acceptance_no": "水保承〔{y}〕009号"}),
        (28, "水土保持方案审批", "approve", {"permit_no": "晋开水保承〔{y}〕9号", "by_commitment": True}),
        (27, "防雷装置设计审核", "skip",
         {"not_required_reason": "园区已完成雷电灾害风险区域评估，本项目适用评估结论，免于单独审核。"}),
        (26, "不动产权证", "start"), (4, "不动产权证", "submit", {"acceptance_no": "不动产受〔{y}〕第0718号"}),
        (25, "环境影响评价（报告表）", "start"),
        (20, "环境影响评价（报告表）", "submit", {"acceptance_no": "晋开环审受〔{y}〕0097号"}),
        (14, "环境影响评价（报告表）", "return", {"correction_request": (
            "1. 补充VOCs收集处理工艺说明及去除效率依据；\n2. 补充厂区雨污分流及初期雨水收集池平面图；\n"
            "3. 第四章污染物排放量核算表加盖编制单位公章。")}),
        (10, "建设工程规划许可证", "start"),
        (2, "建设工程规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0502号"}),
        (1, "消防设计审查", "start"),
        (16, "供电接入", "start"),
        (13, "供电接入", "submit", {"acceptance_no": "供电申请编号1407{y}0603118"})])
    b.step_pdf(case, 28, "建设用地规划许可证", "permit", "建设用地规划许可证（演示）",
               ["用地面积：320亩", "用地性质：工业用地"], "agent1")
    b.message(case, 28, "agent1", "建设用地规划许可证已核发，原件下周一送到公司。", step="建设用地规划许可证")
    b.message(case, 14, "agent1", "生态环境局要求补正三项内容（见事项说明），请于5个工作日内提交。",
              step="环境影响评价（报告表）")
    b.message(case, 13, "ent1", "收到，已联系环评编制单位修改，预计本周五前提交补正材料。")
    b.step_pdf(case, 11, "环境影响评价（报告表）", "correction", "环评报告表补正说明（演示）",
               ["补正内容：VOCs处理工艺说明、雨污分流平面图、核算表盖章页"], "ent1")
    b.message(case, 9, "agent1", "设计院要求调整厂区出入口，建设工程规划许可证预计推迟一周报送。",
              internal=True)
    b.message(case, 3, "agent1", "不动产登记中心反馈契税凭证已核验，预计下周出证。", internal=True)


def suspended_case(b):
    """ent2's cell factory: 环评 refused, the case suspended while the process is redesigned."""
    case = b.submit("cells", 35, ["项目备案", "环境影响评价（报告书）", "节能审查", "建设用地规划许可证",
                                  "建设工程规划许可证", "消防设计审查", "施工许可证"],
                    "电池项目，请协助办理环评等前期手续。")
    b.accept(case, 34, "manager", "agent2")
    sign_on_paper(b, case, 34)
    b.run(case, "agent2", [
        (33, "项目备案", "start"), (33, "项目备案", "submit", {"acceptance_no": "JZKFQ-BA-{y}-0288"}),
        (32, "项目备案", "approve", {"permit_no": "晋开审备〔{y}〕119号"}),
        (31, "环境影响评价（报告书）", "start"),
        (30, "环境影响评价（报告书）", "submit", {"acceptance_no": "晋开环审受〔{y}〕0081号"}),
        (9, "环境影响评价（报告书）", "refuse", {
            "refusal_reason": "主要污染物排放总量指标来源未落实，含氟废水处理工艺不能确保稳定达标排放。",
            "refusal_decision_no": "晋开环审不予〔{y}〕3号"}),
        (29, "节能审查", "start"), (28, "建设用地规划许可证", "start"),
        (27, "建设用地规划许可证", "submit", {"acceptance_no": "规划受〔{y}〕0377号"}),
        (22, "建设用地规划许可证", "approve", {"permit_no": "地字第140700{y}00074号"})])
    b.step_pdf(case, 9, "环境影响评价（报告书）", "other", "不予行政许可决定书（演示）",
               ["决定：不予批准该项目环境影响报告书"], "agent2")
    b.message(case, 9, "agent2", "环评审批未通过，决定书已上传，建议尽快与环评单位商议工艺调整方案。")
    b.message(case, 8, "ent2", "同意中止办理，待新的环境影响报告书编制完成后申请恢复。", hour=11)
    b.travel(8, 16)
    workflow.suspend_case(case, b.users["manager"],
                          "环评不予许可，企业调整生产工艺并重新编制环境影响报告书，经双方协商中止办理。")


def declined_case(b):
    case = b.submit("frames", 25, ["项目备案", "建设用地规划许可证"], "配套光伏电池项目的边框生产线。")
    b.travel(24, 11)
    workflow.decline_case(case, b.users["manager"], "项目用地尚未落实，且铝棒熔铸环节不符合汇通产业园区"
                                                    "产业准入条件。请落实用地并调整建设方案后重新申请。")


def second_center_case(b):
    """ent2's warehouse in the 阳曲 zone: the second center's own case, agent and numbering."""
    case = b.submit("warehouse", 20, ["项目备案", "建设用地规划许可证", "建设工程规划许可证",
                                      "消防设计审查", "施工许可证", "供电接入"], "仓储物流中心，请全程代办。")
    b.accept(case, 19, "manager2", "agent4")
    sign_online(b, case, 19, drawn=False)
    b.run(case, "agent4", [
        (18, "项目备案", "start"), (18, "项目备案", "submit", {"acceptance_no": "YQCYY-BA-{y}-0036"}),
        (17, "项目备案", "approve", {"permit_no": "阳审备〔{y}〕21号"}),
        (16, "建设用地规划许可证", "start"),
        (15, "建设用地规划许可证", "submit", {"acceptance_no": "阳规受〔{y}〕0052号"}),
        (12, "消防设计审查", "start")])


def waiting_cases(b):
    """The manager's queue: one accepted without an agent, two requests (one unverified)."""
    case = b.submit("operations", 3, ["项目备案", "供电接入", "通信接入"],
                    "运维中心装修后入驻，需办理接电接网。")
    b.accept(case, 2, "manager", comment="已一次性告知：需提供备案信息表、营业执照及租赁或用地协议。")
    b.submit("pharma", 2, ["项目备案", "环境影响评价（报告书）", "节能审查", "建设用地规划许可证",
                           "建设工程规划许可证", "施工许可证"], "生物医药产业化基地，恳请中心全程代办。")
    b.submit("recycling", 1, ["项目备案", "建设用地规划许可证", "节能审查", "环境影响评价（报告表）",
                              "建设工程规划许可证", "施工许可证"], "固废资源化示范线，申请代办前期手续。",
             template="备案类工业项目")
