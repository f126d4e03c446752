"""The strict Content-Security-Policy (proxy_service/core/security.py) holds in a real browser: on
the main page of every role nothing is refused — no inline script or style, no foreign source —
and no script fails.

These contexts never bypass the CSP (the axe-core checks of test_accessibility.py do, and are
kept apart). Chromium reports a refusal twice: as a console error ("Refused to ...") and as a
`securitypolicyviolation` event, which an init script — injected by the browser, not subject
to the page's CSP — records."""
import pytest

from .main_pages import PAGES, main_pages, signed_in_context

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


@pytest.mark.parametrize("role", sorted(PAGES))
def test_main_pages_break_no_content_security_policy(role, live_app, new_context):
    context = signed_in_context(new_context, role)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    seen = watch(page)
    failures = []
    for name, path in main_pages(live_app, role):
        del seen[:]
        response = page.goto(path)
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, f"{path}: CSP is {csp!r}"
        found = seen + page.evaluate("window.__cspViolations || []")
        if found:
            failures.append(f"{role} · {name} ({path}):\n    " + "\n    ".join(found))
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
