"""The strict Content-Security-Policy (proxy_service/core/security.py) holds in a real browser: on
the main page of every role nothing is refused — no inline script or style, no foreign source —
and no script fails.

These contexts never bypass the CSP; the refusals are recorded as main_pages.RECORD_VIOLATIONS
and main_pages.watch say. The main pages are read from the one visit that axe-core's check of
test_accessibility.py and the phone-width check read too (main_pages.visit_main_pages)."""
import pytest

from .main_pages import PAGES, RECORD_VIOLATIONS, visit_main_pages, watch


@pytest.mark.parametrize("role", sorted(PAGES))
def test_main_pages_break_no_content_security_policy(role, live_app, new_context):
    failures = []
    for visit in visit_main_pages(live_app, new_context, role):
        assert "script-src 'self'" in visit.csp and "unsafe-inline" not in visit.csp, \
            f"{visit.path}: CSP is {visit.csp!r}"
        if visit.refused:
            failures.append(f"{role} · {visit.name} ({visit.path}):\n    " + "\n    ".join(visit.refused))
    assert not failures, "refused by the CSP, or failing scripts:\n" + "\n".join(failures)


def test_a_violation_would_be_seen(live_app, new_context):
    """The watch itself: an inline script added to a page is refused and reported."""
    context = new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    seen = watch(page)
    page.goto("/login")
    page.evaluate("""() => { const s = document.createElement("script");
                             s.textContent = "window.ran = true"; document.body.append(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("Content Security Policy" in line for line in seen), seen
    assert page.evaluate("window.__cspViolations.length") == 1



def test_the_api_reference_page_shows_the_operations_without_a_violation(live_server, new_context,
                                                                         shoot):
    """/api/v1/docs (Swagger UI, served by this site) under the app's policy: the operations
    listed, one opened and tried without a token (a problem comes back), nothing refused and
    nothing asked of another origin."""
    context = new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    seen = watch(page)
    foreign = []
    page.on("request", lambda request: foreign.append(request.url)
            if not request.url.startswith((live_server, "data:", "blob:")) else None)
    response = page.goto("/api/v1/docs")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "unsafe" not in csp, csp
    for summary in ("案件列表（List cases）", "更新事项（Update a step"):
        page.get_by_text(summary).first.wait_for()
    page.get_by_text("案件列表（List cases）").click()
    page.get_by_role("button", name="Try it out").first.click()
    page.get_by_role("button", name="Execute").first.click()
    page.get_by_text("about:blank").first.wait_for()   # the 401 problem, highlighted
    shoot(page, "api-reference")
    seen = [line for line in seen if "401" not in line]   # the tried request's own answer
    assert not seen + page.evaluate("window.__cspViolations"), seen
    assert not foreign, foreign
