"""Downloads of the case's generated notices and of its whole dossier (案卷)."""
import io

from flask import abort, send_file
from flask_login import current_user, login_required

from .. import clock
from ..auth.reauth import demand_recent_reauth
from ..documents import generated
from ..dossier import build_dossier, dossier_name
from ..permissions import can_export_dossier, case_or_404
from . import bp


@bp.app_template_global("generated_notices")
def generated_notices(case):
    """The notices that apply to `case`, for the case page."""
    return generated.available(case)


@bp.get("/cases/<int:case_id>/notices/<key>.pdf")
@login_required
def notice(case_id, key):
    case = case_or_404(current_user, case_id)
    found = generated.find(case, key)
    if found is None:
        abort(404)   # unknown, or not yet applicable (e.g. the completion form of an open case)
    return _send(io.BytesIO(found.build()), "application/pdf", found.filename)


@bp.get("/cases/<int:case_id>/dossier.zip")
@login_required
def dossier(case_id):
    case = case_or_404(current_user, case_id)
    if not can_export_dossier(current_user, case):
        abort(403)
    if (ask := demand_recent_reauth()) is not None:
        return ask
    return _send(build_dossier(case, clock.now()), "application/zip", dossier_name(case))


def _send(data, mimetype, filename):
    response = send_file(data, mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
