"""Webhook endpoints' pages: a center's managers and an enterprise's users register receivers,
choose events, see the secret once, rotate it, read the delivery log, send again or a test."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from proxy_service.webhooks import views  # noqa: E402,F401
