from flask import Blueprint

bp = Blueprint("enterprises", __name__)

from proxy_service.enterprises import views  # noqa: E402,F401
