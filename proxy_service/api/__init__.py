"""The JSON API under /api/v1 (docs/api.md): flask-smorest over the same permissions loaders,
workflow verbs and commit rules as the pages, with an OpenAPI 3.1 contract served at
/api/v1/openapi.json.

Callers authenticate with a personal access token (`Authorization: Bearer psk_…`,
guard.py) and never with the session cookie, so the blueprint is exempt from CSRF. Input is
strict (schemas.py): what the contract does not allow is refused, unknown fields and query
parameters included. Every error is application/problem+json (problems.py).
"""
from proxy_service.api.base import ApiBlueprint, ProblemApi

# i18n-keep: the contract (OpenAPI) is one document, written in Chinese whatever the reader's language
bp = ApiBlueprint("api", __name__, url_prefix="/api/v1",
                  description="案件、事项（Cases and their steps）")

from proxy_service.api import cases, guard, problems, webhooks  # noqa: E402,F401


def init_app(app, csrf):
    """Register the API (after the pages' blueprints): the contract, the blueprint, no CSRF.
    One Api (the contract) per app: the suite makes several apps in one process."""
    ProblemApi(app).register_blueprint(bp)
    csrf.exempt(bp)
    app.extensions["api_problem"] = problems.http_error   # for paths no API route matched
