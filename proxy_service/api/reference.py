"""The API reference page (/api/v1/docs): Swagger UI, vendored under static/vendor/swagger-ui/
(no CDN), started by static/js/api-reference.js and reading the contract at
/api/v1/openapi.json. Like the contract it needs no token; "Try it out" sends the token the
reader types into "Authorize", to this site only.

Its Content-Security-Policy is the app's, unchanged (core/security.CSP): Swagger UI 5 needs
nothing more — no inline script or style, no eval, no worker, nothing from another origin
(no validator badge) — which the browser test checks (tests/browser/test_csp.py). Should a
later viewer need more, widen REFERENCE_CSP here, for this page alone."""
from flask import Blueprint, render_template

from proxy_service.core.security import CSP

REFERENCE_CSP = CSP

bp = Blueprint("api_reference", __name__, url_prefix="/api/v1")


@bp.get("/docs")
def reference():
    return render_template("api/reference.html")


@bp.after_request
def reference_policy(response):
    response.headers["Content-Security-Policy"] = REFERENCE_CSP
    return response
