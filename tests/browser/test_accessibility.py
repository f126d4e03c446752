"""Accessibility in Chromium: axe-core on the main page of every role, the enterprise's path by
keyboard alone, form errors tied to their fields, lights that are more than a colour, and
signing by typing a name.

axe-core comes from npm (package.json; `make install` runs `npm ci`) and is evaluated in the page
through the DevTools protocol, which the Content-Security-Policy does not govern: the main pages
are checked on the visit test_csp.py and the phone-width check read too
(main_pages.visit_main_pages)."""
import json
import os
import re

import pytest
from sqlalchemy import select

from config import BASE_DIR
from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import ApprovalItem, Case, CaseStatus, Project, Signature, User
from proxy_service.workflow import agreements as signing

from .conftest import in_thread
from .main_pages import (
    AXE,
    PAGES,
    SERIOUS,
    axe_available,
    axe_violations,
    demo_ids,
    describe,
    signed_in_context,
    visit_main_pages,
)

REPORTS = BASE_DIR / "artifacts" / "axe"


@pytest.fixture
def axe():
    if not axe_available():
        hint = (f"{AXE} is missing: run `make install` (npm ci; npm from Debian: apt-get install npm) "
                "to get axe-core")
        if os.environ.get("CI"):
            pytest.fail(hint)
        pytest.skip(hint)


@pytest.mark.parametrize("role", sorted(PAGES))
def test_main_pages_have_no_serious_axe_violations(axe, role, live_app, new_context):
    failures, report = [], {}
    for visit in visit_main_pages(live_app, new_context, role):
        assert visit.status < 400, f"{role} {visit.name} {visit.path}: HTTP {visit.status}"
        report[visit.path] = visit.violations
        violations = [v for v in visit.violations if v["impact"] in SERIOUS]
        if violations:
            failures.append(f"{role} · {visit.name} ({visit.path}):\n{describe(violations)}")
    # Every node of every violation, minor ones included, for people to read.
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{role}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assert not failures, "serious or critical axe-core violations:\n" + "\n".join(failures)


def test_error_page_has_no_serious_axe_violations(axe, new_context):
    page = signed_in_context(new_context, "enterprise").new_page()
    assert page.goto("/cases/999999").status == 404
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_login_code_page_has_no_serious_axe_violations(axe, new_context):
    page = new_context().new_page()
    page.goto("/login")
    page.fill("input[name=username]", "agent2")
    page.fill("input[name=password]", "demo1234")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/login/code"), page.inner_text("main")
    violations = axe_violations(page)
    assert not violations, describe(violations)


# --- the keyboard alone -------------------------------------------------------------------

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    return {html: el.outerHTML.slice(0, 160), inMain: !!el.closest("main"),
            ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
                  || style.boxShadow !== "none",
            shown: box.width > 0 && box.height > 0 && style.visibility !== "hidden"};
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def tab_to(page, selector, backwards=False, limit=120):
    """Press Tab (Shift+Tab) until the focused element matches `selector`; every element the
    keyboard passes on the way must be visible and show a focus ring."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        here = focused(page)
        if here is None:
            continue
        assert here["shown"], f"focus on an invisible element: {here['html']}"
        assert here["ring"], f"no visible focus indicator on {here['html']}"
        if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
            return here
    raise AssertionError(f"{limit} presses of Tab never reached {selector} on {page.url}")


def press_and_wait(page, key):
    with page.expect_navigation():
        page.keyboard.press(key)


def test_skip_link_leads_to_the_main_content(page, shoot):
    page.goto("/login")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["shown"] and first["ring"], first
    shoot(page, "skip-link-focused")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["inMain"], "Tab after the skip link should land inside <main>"
    assert page.evaluate("document.activeElement.name") == "username"


def test_enterprise_main_path_by_keyboard_alone(page, live_app):
    """Log in, open a case, back to the list, ask for the service on a free project, submit,
    land on the new case — only Tab, Shift+Tab, Enter and Space (page.keyboard, no clicks)."""
    case_id = demo_ids(live_app)["case_in_progress"]
    page.goto("/login")
    tab_to(page, "input[name=username]")
    page.keyboard.type("ent1")
    tab_to(page, "input[name=password]")
    page.keyboard.type("demo1234")
    press_and_wait(page, "Enter")
    assert page.url.endswith("/cases"), page.url

    tab_to(page, f'main a[href="/cases/{case_id}"]')
    press_and_wait(page, "Enter")
    assert page.url.endswith(f"/cases/{case_id}")
    assert page.locator("h1").is_visible()

    tab_to(page, 'nav a[href="/cases"]', backwards=True)   # back up to the header's menu
    press_and_wait(page, "Enter")
    tab_to(page, 'main a[href="/cases/new"]')
    press_and_wait(page, "Enter")
    tab_to(page, "main a.list-group-item-action")            # the first project free for a request
    press_and_wait(page, "Enter")
    assert "project_id=" in page.url

    tab_to(page, "main form[method=post] input[name=items]:not(:checked)")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    tab_to(page, "main form[method=post] button[type=submit]")
    press_and_wait(page, "Enter")
    assert re.search(r"/cases/\d+$", page.url), page.url
    assert page.locator("main .alert").filter(has_text="代办申请已提交").is_visible()
    assert page.locator("h1 .badge").filter(has_text="待受理").count() == 1


# --- form errors --------------------------------------------------------------------------

ERRORS = """(form) => {
    const invalid = [...form.querySelectorAll("[aria-invalid=true]")];
    return {
        summary: form.querySelector(".form-error-summary[role=alert]") !== null,
        summaryFirst: form.querySelector(".form-error-summary") ===
            form.querySelector(".form-error-summary, input:not([type=hidden]), select, textarea")
                ?.closest(".form-error-summary"),
        links: [...form.querySelectorAll(".form-error-summary a")].map(a => a.getAttribute("href")),
        invalid: invalid.map(el => ({name: el.name, described: (el.getAttribute("aria-describedby") || "")
            .split(" ").filter(Boolean).map(id => document.getElementById(id)?.textContent.trim() || null)})),
        unreferenced: [...form.querySelectorAll(".invalid-feedback")].filter(
            el => !form.querySelector(`[aria-describedby~="${el.id}"]`)).map(el => el.outerHTML),
    };
}"""


def test_form_errors_are_tied_to_their_fields_and_announced(live_app, new_context, shoot):
    context = signed_in_context(new_context, "enterprise")
    page = context.new_page()
    page.goto("/projects/new")
    form = page.locator("main form[method=post]")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    shoot(page, "project-form-errors")
    found = form.evaluate(ERRORS)
    assert found["summary"], "no error summary with role=alert in the failed form"
    assert found["summaryFirst"], "the error summary should come before the form's fields"
    names = {field["name"] for field in found["invalid"]}
    assert {"name", "total_investment"} <= names, names
    for field in found["invalid"]:
        assert field["described"] and all(field["described"]), \
            f"{field['name']}: aria-describedby must name its error text, got {field['described']}"
    assert not found["unreferenced"], found["unreferenced"]
    for href in found["links"]:
        assert page.locator(href).count() == 1, f"the summary links to {href}, which is not there"
    if axe_available():
        violations = axe_violations(page)
        assert not violations, describe(violations)


# --- not colour alone ---------------------------------------------------------------------

BADGES = """() => [...document.querySelectorAll("main .badge, main .light-badge")].map(el => ({
    html: el.outerHTML.slice(0, 160), text: el.textContent.trim(),
    light: el.classList.contains("light-badge"), icon: el.querySelector(".bi") !== null}))"""


def test_lights_and_statuses_carry_words_and_icons(live_app, new_context, shoot):
    context = signed_in_context(new_context, "manager")
    page = context.new_page()
    lights = 0
    for path in ("/cases", "/manage/dashboard", f"/cases/{demo_ids(live_app)['case_in_progress']}"):
        page.goto(path)
        for badge in page.evaluate(BADGES):
            assert badge["text"], f"{path}: a badge with no words: {badge['html']}"
            if badge["light"]:
                lights += 1
                assert badge["icon"], f"{path}: a traffic light without its icon: {badge['html']}"
    assert lights, "no traffic light on the manager's pages: the demo data should show some"
    shoot(page, "case-page-lights-and-stepper")
    stages = page.locator("ol.stepper > li")
    assert stages.count()
    for index in range(stages.count()):
        stage = stages.nth(index)
        assert stage.locator(".bi").count() == 1
        assert stage.locator(".visually-hidden").inner_text().strip()


# --- signing by typing a name -------------------------------------------------------------

def _agreement_waiting_for_ent1(app):
    """A fresh case of ent1, accepted with an agent: its agreement awaits ent1's signature.
    Through in_thread: the workflow may seal, and sealing cannot run in Playwright's loop."""
    made = {}

    def work():
        with app.app_context():
            owner = db.session.scalar(select(User).where(User.username == "ent1"))
            open_projects = select(Case.project_id).where(Case.status.notin_(
                [CaseStatus.COMPLETED, CaseStatus.DECLINED, CaseStatus.TERMINATED]))
            project = db.session.scalars(select(Project).where(
                Project.enterprise_id == owner.enterprise_id, Project.id.notin_(open_projects))
                .order_by(Project.id.desc())).first()
            item = db.session.scalars(select(ApprovalItem).where(
                ApprovalItem.center_id == project.center_id).order_by(ApprovalItem.sort)).first()
            case = workflow.submit_case(project, owner, items=[item], contact_name="张三",
                                        contact_mobile="13800000000")
            manager = db.session.scalar(select(User).where(User.username == "manager"))
            agent = db.session.scalar(select(User).where(User.username == "agent1"))
            workflow.accept_case(case, manager, agent=agent)
            db.session.commit()
            made["agreement"] = signing.open_agreements(case)[0].id
    in_thread(work)
    return made["agreement"]


def test_sign_by_typing_a_name_with_the_keyboard(live_app, new_context):
    """The typed alternative to the signature pad, by keyboard (arrow keys move within the
    radio group, as in any browser)."""
    agreement_id = _agreement_waiting_for_ent1(live_app)
    page = signed_in_context(new_context, "enterprise").new_page()
    page.goto(f"/agreements/{agreement_id}/sign")
    # From the end of the page backwards: the form ends the page, the PDF viewer is above it.
    tab_to(page, "input[name=signer_name]", backwards=True)
    page.keyboard.press("Control+A")
    page.keyboard.type("李明")
    tab_to(page, "input[name=signer_title]")
    page.keyboard.press("Control+A")
    page.keyboard.type("法定代表人")
    tab_to(page, "input[name=method]:checked")           # Tab stops on the chosen one: drawn
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.querySelector('input[name=method]:checked').value") == "typed"
    assert page.locator("#typed-preview").inner_text() == "李明"
    assert page.locator("canvas.signature-canvas").is_hidden()
    tab_to(page, "input[name=confirm_read]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=password]")
    page.keyboard.type("demo1234")
    press_and_wait(page, "Enter")
    assert "/sign" not in page.url, page.locator("main").inner_text()
    with live_app.app_context():
        signature = db.session.scalar(select(Signature).where(Signature.agreement_id == agreement_id))
        assert (signature.party, signature.method, signature.signer_name) == ("enterprise", "typed", "李明")
