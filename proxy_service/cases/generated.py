"""The case's notices as issued (downloads and corrections) and its whole dossier (案卷)."""
import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proxy_service.cases import bp
from proxy_service.cases.dossier import build_dossier, dossier_name
from proxy_service.cases.forms import NoticeCorrectionForm
from proxy_service.core import clock
from proxy_service.core.conflicts import committing
from proxy_service.core.downloads import not_modified, revalidated
from proxy_service.identity.reauth import demand_recent_reauth
from proxy_service.permissions import (
    can_export_dossier,
    can_update_case,
    case_or_404,
    notice_or_404,
)
from proxy_service.workflow import notice_corrections
from proxy_service.workflow import notices as issued_notices


@bp.get("/cases/<int:case_id>/notices/<int:notice_id>.pdf")
@login_required
def notice(case_id, notice_id):
    """The notice's bytes exactly as stored when it was issued."""
    _case, found = notice_or_404(current_user, case_id, notice_id)
    if (unchanged := not_modified(found.sha256)) is not None:
        return unchanged
    return revalidated(_send(io.BytesIO(found.data), "application/pdf",
                             issued_notices.filename(found)), found.sha256)


@bp.route("/cases/<int:case_id>/notices/<int:notice_id>/correct", methods=["GET", "POST"])
@login_required
def correct_notice(case_id, notice_id):
    """A manager of the case's center issues a corrected revision, with the reason."""
    case, found = notice_or_404(current_user, case_id, notice_id)
    if not can_update_case(current_user, case):
        abort(403)
    form = NoticeCorrectionForm(revision=str(found.revision))
    if not form.validate_on_submit():
        return render_template("cases/notice_correct.html", case=case, notice=found,
                               form=form), (422 if form.is_submitted() else 200)
    with committing() as outcome:
        corrected = notice_corrections.correct(found, current_user, form.reason.data,
                                               seen_revision=form.revision.data or None)
    if outcome.conflict is None:
        flash(_("已签发更正后的第%(revision)s版。", revision=corrected.revision), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="generated"))


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
