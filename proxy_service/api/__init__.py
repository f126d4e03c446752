"""The JSON API under /api/v1 (docs/api.md): flask-smorest over the same permissions loaders,
workflow verbs and commit rules as the pages, with an OpenAPI 3.1 contract served at
/api/v1/openapi.json and shown at /api/v1/docs (reference.py).

Callers authenticate with a personal access token (`Authorization: Bearer psk_…`,
guard.py) and never with the session cookie, so the blueprint is exempt from CSRF. Input is
strict (schemas.py): what the contract does not allow is refused, unknown fields and query
parameters included. Every error is application/problem+json (problems.py).
"""
from proxy_service.api.base import ApiBlueprint, ProblemApi

# i18n-keep: the contract (OpenAPI) is one document, written in Chinese whatever the reader's language
bp = ApiBlueprint("api", __name__, url_prefix="/api/v1",
                  description="案件、事项（Cases and their steps）")

# guard first: its check of the token runs before every other hook of the blueprint.
from proxy_service.api import guard  # noqa: E402,F401,I001
from proxy_service.api import (  # noqa: E402,F401
    agreements,
    audit,
    cases,
    documents,
    idempotency,
    messages,
    problems,
    projects,
    rate_limits,
    reference,
    reports,
    verify,
    webhooks,
)


def init_app(app, csrf):
    """Register the API (after the pages' blueprints): the contract, the blueprint, no CSRF.
    One Api (the contract) per app: the suite makes several apps in one process."""
    ProblemApi(app, post_parameters=[idempotency.PARAMETER]).register_blueprint(bp)
    app.register_blueprint(reference.bp)   # the reference page (/api/v1/docs): no token
    csrf.exempt(bp)
    rate_limits.init_app(app, bp.name)   # per token, over the whole blueprint
    app.extensions["api_problem"] = problems.http_error   # for paths no API route matched
