from flask import Blueprint

bp = Blueprint("auth", __name__)

from proxy_service.auth import center_token_views, token_views, twofactor_views, views  # noqa: E402,F401,I001
