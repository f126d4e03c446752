"""Service quality: evaluations (好差评), rectifications (整改), absences, substitutes and
bulk re-assignment."""
from flask import Blueprint

bp = Blueprint("service_quality", __name__)

from proxy_service.service_quality import absences, evaluations, reassign, rectifications  # noqa: E402,F401
