"""The API's rate limit: API_RATE_LIMIT requests per token over the whole /api/v1 (one
counter per token, whatever the route), in the app's Flask-Limiter storage (Redis where
RATELIMIT_STORAGE_URI says so, shared by every host). A request without a live token is not
counted here: it is refused (401) or it is public and has a limit of its own per address (the
public verification, VERIFY_RATE_LIMIT). Beyond the limit: 429 problem+json with Retry-After
and the X-RateLimit-* headers Flask-Limiter writes (problems.py answers it)."""
from proxy_service.api.guard import calling_token

SETTING = "API_RATE_LIMIT"


def token_key():
    return f"api-token-{calling_token().id}"


def without_token():
    return calling_token() is None


def init_app(app, blueprint_name):
    """Ask core.security to limit the blueprint per token (it owns the app's Limiter)."""
    app.extensions.setdefault("rate_limited_blueprints", []).append(
        (blueprint_name, SETTING, token_key, without_token))
