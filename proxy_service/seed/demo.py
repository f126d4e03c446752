"""Demo data for `flask seed-demo`: two centers, their staff, three enterprises and cases in
every status. Cases move only through the workflow verbs, so the audit trail is real; the
clock is frozen at earlier working days so that the history spreads over the last weeks.
"""
import io
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from proxy_service import workflow
from proxy_service.auth import twofactor
from proxy_service.calendar import workdays
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.documents.seal import init_center_seal
from proxy_service.models import (
    ApprovalItem,
    AuditEvent,
    CaseTemplate,
    Center,
    Enterprise,
    EnterpriseClaim,
    FilingType,
    Industry,
    Message,
    Project,
    Role,
    User,
)
from proxy_service.seed.agreements import signing_cases
from proxy_service.seed.cases import (
    completed_case,
    declined_case,
    second_center_case,
    showcase_case,
    suspended_case,
    waiting_cases,
    withdrawn_case,
)
from proxy_service.seed.catalog import ensure_industries, seed_center_catalog
from proxy_service.seed.data import CENTERS, ENTERPRISES, PROJECTS, REGION_CODES, STAFF
from proxy_service.seed.quality import quality_story, quick_case, quick_projects
from proxy_service.workflow import enterprises as registration
from proxy_service.workflow.documents import store_document

PASSWORD = "demo1234"
# The authenticator secret of every demo staff login (base32; printed by seed-demo).
DEMO_TOTP_SECRET = "PROXYSERVICEDEMOPROXYSERVICEDEMO"


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
        clock.freeze(datetime.combine(day, time(hour), clock.BEIJING).astimezone(UTC))

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
