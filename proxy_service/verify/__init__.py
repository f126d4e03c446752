"""Public verification of sealed agreements (/verify): no login."""
from flask import Blueprint

bp = Blueprint("verify", __name__)

from proxy_service.verify import views  # noqa: E402,F401
