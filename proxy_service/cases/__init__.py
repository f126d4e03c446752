from flask import Blueprint

bp = Blueprint("cases", __name__)

from proxy_service.cases import (  # noqa: E402,F401
    files,
    generated,
    handling,
    staff_actions,
    timeline,
    views,
)
