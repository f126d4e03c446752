"""The main pages of each role in the demo data, and signed-in browser contexts to visit them,
shared by the accessibility, phone-width and CSP checks, which read one visit of each role's
pages per run (visit_main_pages).

Pages are named by path templates filled from the live database (`demo_ids`), so that they
follow the demo data instead of hard-coded ids; a page whose object the demo lacks fails loudly.
"""
import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select

from config import BASE_DIR
from proxy_service.core.extensions import db
from proxy_service.models import (
    Agreement,
    AgreementKind,
    AgreementState,
    ApprovalItem,
    Case,
    CaseStatus,
    CaseTemplate,
    Enterprise,
    EnterpriseClaim,
    IssuedNotice,
    Project,
    Rectification,
    RectificationStatus,
    Step,
    StepStatus,
    User,
    Verification,
)

from ..conftest import once_per_run
from .conftest import log_in_through_pages

AXE = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"

# The demo logins standing for each role (see proxy_service/seed/data.py).
USERS = {"enterprise": "ent1", "agent": "agent1", "manager": "manager"}

PAGES = {
    "visitor": [
        ("login", "/login"),
        ("register", "/register"),
        ("privacy", "/privacy"),
        ("verify", "/verify"),
        ("verify a sealed agreement", "/verify/{sealed_number}"),
    ],
    "enterprise": [
        ("case list", "/cases"),
        ("case in progress", "/cases/{case_in_progress}"),
        ("completed case", "/cases/{case_completed}"),
        ("case being signed", "/cases/{case_signing}"),
        ("projects", "/projects"),
        ("project", "/projects/{project}"),
        ("new project", "/projects/new"),
        ("edit project", "/projects/{project}/edit"),
        ("request: choose a project", "/cases/new"),
        ("request form", "/cases/new?project_id={project_free}"),
        ("agreement", "/agreements/{agreement_to_sign}"),
        ("sign page", "/agreements/{agreement_to_sign}/sign"),
        ("evaluation", "/cases/{case_completed}/evaluation"),
        ("profile", "/enterprise"),
        ("edit profile", "/enterprise/edit"),
        ("new colleague", "/enterprise/users/new"),
        ("notifications", "/notifications"),
        ("notification settings", "/notifications/settings"),
        ("contact details", "/notifications/contact"),
        ("change password", "/password"),
        ("account security", "/account/security"),
    ],
    "agent": [
        ("inbox", "/inbox"),
        ("case list", "/cases"),
        ("case in progress", "/cases/{case_in_progress}"),
        ("step", "/cases/{case_in_progress}/steps/{step_submitted}"),
        ("case being signed", "/cases/{case_signing}"),
        ("absences", "/quality/my-absences"),
        ("notifications", "/notifications"),
        ("account security", "/account/security"),
    ],
    "manager": [
        ("dashboard", "/manage/dashboard"),
        ("requests", "/manage/requests"),
        ("case list", "/cases"),
        ("submitted case", "/cases/{case_submitted}"),
        ("accepted case", "/cases/{case_accepted}"),
        ("case in progress", "/cases/{case_in_progress}"),
        ("suspended case", "/cases/{case_suspended}"),
        ("step of the suspended case", "/cases/{case_suspended}/steps/{step_suspended}"),
        ("completed case", "/cases/{case_completed}"),
        ("declined case", "/cases/{case_declined}"),
        ("step", "/cases/{case_in_progress}/steps/{step_submitted}"),
        ("add items", "/cases/{case_in_progress}/add-items"),
        ("correct a notice", "/cases/{case_in_progress}/notices/{notice}/correct"),
        ("agreement paper check", "/agreements/{agreement_paper}"),
        ("sealed agreement", "/agreements/{agreement_sealed}"),
        ("countersign page", "/agreements/{agreement_to_countersign}/sign"),
        ("workload", "/manage/workload"),
        ("confirm before an export", "/confirm?next=/manage/export%3Flist%3Dcases%26format%3Dcsv"),
        ("report", "/manage/report"),
        ("catalogue", "/admin/items"),
        ("new item", "/admin/items/new"),
        ("edit item", "/admin/items/{item}/edit"),
        ("case templates", "/admin/templates"),
        ("edit case template", "/admin/templates/{template}/edit"),
        ("new case template", "/admin/templates/new"),
        ("agreement terms", "/agreements/template"),
        ("users", "/admin/users"),
        ("new user", "/admin/users/new"),
        ("center security", "/manage/security"),
        ("absences", "/quality/absences"),
        ("reassign", "/quality/reassign"),
        ("calendar", "/admin/calendar"),
        ("calendar year", "/admin/calendar/year?year={year}"),
        ("personal-data requests", "/admin/people"),
        ("enterprise verification", "/admin/enterprises"),
        ("enterprise to verify", "/admin/enterprises/{enterprise_pending}"),
        ("claims", "/admin/claims"),
        ("claim", "/admin/claims/{claim}"),
        ("rectifications", "/quality/rectifications"),
        ("open rectification", "/quality/rectifications/{rectification_open}"),
        ("notifications", "/notifications"),
        ("notification settings", "/notifications/settings"),
    ],
}


def _first(query):
    """The first row, by the column selected when nothing else orders it (the lowest id)."""
    value = db.session.scalar(query.order_by(*query.selected_columns).limit(1))
    assert value is not None, f"the demo data has nothing for {query}"
    return value


def demo_ids(app):
    """The ids the page templates need, read from the live server's database."""
    ent = select(User.enterprise_id).where(User.username == USERS["enterprise"]).scalar_subquery()
    mine = select(Case.id).where(Case.enterprise_id == ent)
    agent = select(User.id).where(User.username == USERS["agent"]).scalar_subquery()
    with app.app_context():
        in_progress = _first(mine.where(Case.status == CaseStatus.IN_PROGRESS,
                                        Case.agent_id == agent).order_by(Case.id))
        suspended = _first(select(Case.id).where(Case.status == CaseStatus.SUSPENDED))
        busy = select(Case.project_id).where(Case.status.notin_(
            [CaseStatus.COMPLETED, CaseStatus.DECLINED, CaseStatus.TERMINATED]))
        return {
            "case_in_progress": in_progress,
            "case_completed": _first(mine.where(Case.status == CaseStatus.COMPLETED).order_by(Case.id)),
            "case_signing": _first(mine.where(Case.status == CaseStatus.SIGNING).order_by(Case.id)),
            "case_submitted": _first(select(Case.id).where(Case.status == CaseStatus.SUBMITTED)
                                     .order_by(Case.id)),
            "case_accepted": _first(select(Case.id).where(Case.status == CaseStatus.ACCEPTED)),
            "case_suspended": suspended,
            "step_suspended": _first(select(Step.id).where(Step.case_id == suspended)),
            "case_declined": _first(select(Case.id).where(Case.status == CaseStatus.DECLINED)),
            "step_submitted": _first(select(Step.id).where(Step.case_id == in_progress,
                                                           Step.status == StepStatus.SUBMITTED)
                                     .order_by(Step.id)),
            "notice": _first(select(IssuedNotice.id).where(IssuedNotice.case_id == in_progress)),
            "project": _first(select(Project.id).where(Project.enterprise_id == ent)
                              .order_by(Project.id)),
            "project_free": _first(select(Project.id).where(Project.enterprise_id == ent,
                                                            Project.id.notin_(busy))
                                   .order_by(Project.id)),
            "agreement_to_sign": _first(select(Agreement.id).where(
                Agreement.case_id.in_(mine), Agreement.state == AgreementState.AWAITING_ENTERPRISE)
                .order_by(Agreement.id)),
            "agreement_to_countersign": _first(select(Agreement.id).where(
                Agreement.state == AgreementState.AWAITING_CENTER)),
            "agreement_paper": _first(select(Agreement.id).where(
                Agreement.state == AgreementState.AWAITING_PAPER_CHECK)),
            "agreement_sealed": _first(select(Agreement.id).where(
                Agreement.case_id == in_progress, Agreement.state == AgreementState.SEALED)),
            "sealed_number": _first(select(Agreement.number).where(
                Agreement.state == AgreementState.SEALED, Agreement.kind == AgreementKind.AGREEMENT)
                .order_by(Agreement.id)),
            "item": _first(select(ApprovalItem.id).order_by(ApprovalItem.id)),
            "template": _first(select(CaseTemplate.id).order_by(CaseTemplate.id)),
            "year": _first(select(Case.submitted_at).order_by(Case.id)).year,
            "enterprise_pending": _first(select(Enterprise.id).where(
                Enterprise.verification == Verification.PENDING)),
            "claim": _first(select(EnterpriseClaim.id)),
            "rectification_open": _first(select(Rectification.id).where(
                Rectification.status == RectificationStatus.OPEN)),
        }


def main_pages(app, role):
    """[(name, path)] of one role's main pages."""
    ids = demo_ids(app)
    return [(name, path.format(**ids)) for name, path in PAGES[role]]


_states = {}


def signed_in_context(new_context, role, **options):
    """A new browser context of `role` (a key of USERS, or "visitor"), signed in.

    A login rotates the user's session token (one live session per user), so another test
    logging the same user in ends the session kept here: then this logs in again."""
    if role == "visitor":
        return new_context(**options)
    username = USERS[role]
    context = new_context(storage_state=_states.get(username), **options)
    page = context.new_page()
    page.goto("/account/security")
    if "/login" in page.url:
        log_in_through_pages(page, username)
        _states[username] = context.storage_state()
    page.close()
    return context


# Chromium reports a CSP refusal twice: as a console error ("Refused to ...") and as a
# `securitypolicyviolation` event, which this init script — injected by the browser, not
# subject to the page's CSP — records.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", event => window.__cspViolations.push(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"} `
    + `(${event.sourceFile || "?"}:${event.lineNumber || 0}) ${event.sample || ""}`));
"""


def watch(page):
    """The console errors, CSP messages and uncaught script errors of the page, as they come."""
    seen = []
    page.on("console", lambda message: seen.append(f"console {message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


PHONE = {"width": 375, "height": 800}

# Waits three animation frames: Chart.js redraws a chart on the frame after a resize.
THREE_FRAMES = """async () => {
    for (let frame = 0; frame < 3; frame++) await new Promise(requestAnimationFrame);
}"""

# How wide the page is, and what sticks out to the right (the outermost elements only, for the
# failure message).
OVERFLOW = """() => {
    const width = window.innerWidth;
    const wide = [...document.querySelectorAll("body *")].filter(el => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.right > width + 1;
    });
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
            culprits: wide.filter(el => !wide.includes(el.parentElement)).slice(0, 6)
                .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} `
                           + `right=${Math.round(el.getBoundingClientRect().right)}`)};
}"""


@dataclass
class Visit:
    """One main page as a signed-in browser under the app's CSP saw it."""
    name: str
    path: str
    status: int
    csp: str            # the Content-Security-Policy header it came with
    refused: list       # what the CSP refused and the scripts that failed while it loaded
    violations: list    # every axe-core violation, minor ones included (None: no axe-core)
    phone: dict         # OVERFLOW's answer with the window 375 px wide


_visits = {}


def visit_main_pages(app, new_context, role):
    """[Visit] of one role's main pages, visited once per run: by the first worker to ask,
    while the others wait for what it saw (once_per_run). A visit is most of what the CSP,
    axe-core and phone-width checks cost, and all three read the same page as loaded."""
    if role not in _visits:
        saw = once_per_run(f"main-pages-{role}.json", lambda path: path.write_text(
            json.dumps([asdict(visit) for visit in _visit(app, new_context, role)])))
        _visits[role] = [Visit(**visit) for visit in json.loads(saw.read_text())]
    return _visits[role]


def _visit(app, new_context, role):
    context = signed_in_context(new_context, role)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    seen = watch(page)
    visits, axe, desktop = [], axe_available(), page.viewport_size
    for name, path in main_pages(app, role):
        del seen[:]
        response = page.goto(path)
        # What the page itself did, read before axe-core runs in it.
        refused = seen + page.evaluate("window.__cspViolations || []")
        violations = axe_violations(page, impacts=None) if axe else None
        # The same page narrowed to a phone's width, without loading every page once more:
        # what our scripts size by the width (the dashboard's charts, the signature pad) follows
        # a resize within a frame or two, so after those frames this is what a phone gets.
        page.set_viewport_size(PHONE)
        page.evaluate(THREE_FRAMES)
        phone = page.evaluate(OVERFLOW)
        page.set_viewport_size(desktop)
        visits.append(Visit(name, path, response.status,
                            response.headers.get("content-security-policy", ""), refused,
                            violations, phone))
    context.close()
    return visits


SERIOUS = ("serious", "critical")


def axe_violations(page, impacts=SERIOUS):
    """Run axe-core on the page as it is: its violations of the given impacts (None: all of
    them). It is evaluated through the DevTools protocol, which the page's CSP does not
    govern, so the context need not bypass the CSP."""
    page.evaluate(_axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"], iframes: false});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary,
                                      html: n.html.slice(0, 200)}))}));
    }""")
    return [v for v in result if impacts is None or v["impact"] in impacts]


@cache
def _axe_source():
    """axe-core's script (about 0.5 MB), read once per run, not once per page checked; a
    trailing `0` gives the evaluation a value Playwright can return."""
    return Path(AXE).read_text(encoding="utf-8") + "\n;0"


def describe(violations):
    lines = []
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"      at {node['target']}: {node['html']}")
            lines.append("        " + node["summary"].replace("\n", "\n        "))
        if len(v["nodes"]) > 8:
            lines.append(f"      ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def axe_available():
    return Path(AXE).exists()
