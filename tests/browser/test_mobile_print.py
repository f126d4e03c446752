"""On a phone (375 px wide) no page scrolls sideways; the case status page prints cleanly."""
import subprocess
from pathlib import Path

import pytest

from config import BASE_DIR

from .main_pages import PAGES, PHONE, demo_ids, signed_in_context, visit_main_pages


@pytest.mark.parametrize("role", sorted(PAGES))
def test_no_page_scrolls_sideways_on_a_phone(role, live_app, new_context):
    """Each main page narrowed to 375 px, on the visit the CSP and axe-core checks read."""
    failures = []
    for visit in visit_main_pages(live_app, new_context, role):
        assert visit.status < 400, f"{role} {visit.name} {visit.path}: HTTP {visit.status}"
        found = visit.phone
        if found["scrollWidth"] > found["innerWidth"]:
            failures.append(f"{role} · {visit.name} ({visit.path}): {found['scrollWidth']} px wide "
                            f"> {found['innerWidth']}: {', '.join(found['culprits'])}")
    assert not failures, "pages wider than a 375 px phone:\n" + "\n".join(failures)


def test_main_lists_become_cards_on_a_phone(live_app, new_context, shoot):
    """The case list's table stacks into one block per case, each value with its label."""
    page = signed_in_context(new_context, "manager").new_page()
    page.set_viewport_size(PHONE)
    page.goto("/manage/dashboard")
    shoot(page, "dashboard")
    page.goto("/cases")
    shoot(page, "case-list")
    assert page.locator("main table thead").is_hidden()
    row = page.locator("main table tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    label = row.locator("td[data-label]").nth(1).evaluate(
        "td => getComputedStyle(td, '::before').content")
    assert "项目" in label


PRINT_ARTIFACTS = BASE_DIR / "artifacts" / "print"


def test_case_status_page_prints_cleanly(live_app, new_context, shoot):
    case_id = demo_ids(live_app)["case_in_progress"]
    page = signed_in_context(new_context, "enterprise").new_page()
    page.goto(f"/cases/{case_id}")
    page.emulate_media(media="print")
    shoot(page, "case-status-printed")
    assert page.locator("nav.navbar").is_hidden()
    for hidden in ("main form", "main .btn"):
        shown = [el.evaluate("e => e.outerHTML.slice(0, 120)") for el in page.locator(hidden).all()
                 if el.is_visible()]
        assert not shown, f"printed although {hidden} should not be: {shown}"
    stages, steps = page.locator("ol.stepper > li"), page.locator("[id^=step-]")
    assert stages.count() and steps.count()
    for locator in (stages, steps):
        for index in range(locator.count()):
            assert locator.nth(index).is_visible()
    # Links print as their text only, never followed by their address.
    after = page.locator("main a[href]").first.evaluate("a => getComputedStyle(a, '::after').content")
    assert after in ("none", "normal", '""'), after

    PRINT_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = PRINT_ARTIFACTS / "case-status.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    # A picture of each page for people to look at (poppler-utils; optional on a workstation).
    if Path("/usr/bin/pdftoppm").exists():
        subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(PRINT_ARTIFACTS / "case-status")],
                       check=True, timeout=60)
