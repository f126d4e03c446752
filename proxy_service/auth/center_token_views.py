"""Center service tokens (workflow/center_tokens.py): the center's managers list them (with
who made each and where it was last used), create one after the password (and the one-time
code) is given again, shown once, and revoke them."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from proxy_service import permissions
from proxy_service.auth import bp
from proxy_service.auth.token_forms import ApiTokenForm
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.identity.reauth import reauth_on_form
from proxy_service.workflow import api_tokens, center_tokens


@bp.get("/center/api-tokens")
@permissions.manager_required
def center_tokens_page():
    return _page(ApiTokenForm())


@bp.post("/center/api-tokens")
@permissions.manager_required
def create_center_token():
    form = ApiTokenForm()
    if not form.validate_on_submit() or not reauth_on_form(current_user, form):
        return _page(form), 422
    with committing() as outcome:
        token, secret = center_tokens.create_center_token(
            current_user, name=form.name.data, scopes=form.scopes.data,
            expires_on=form.expires_on.data)
    if outcome.conflict is not None:
        return _page(form), 422
    # Shown on this answer only (no redirect: the secret never goes into the session).
    return _page(ApiTokenForm(formdata=None), created=token, secret=secret)


@bp.post("/center/api-tokens/<int:center_token_id>/revoke")
@permissions.manager_required
def revoke_center_token(center_token_id):
    token = permissions.center_api_token_or_404(current_user, center_token_id)
    if attempt(center_tokens.revoke_center_token, token, current_user) is None:
        flash(_("令牌“%(name)s”已吊销。", name=token.name), "success")
    return redirect(url_for("auth.center_tokens_page"))


def _page(form, created=None, secret=None):
    tokens = db.session.scalars(permissions.center_api_tokens(current_user)).all()
    return render_template("auth/center_api_tokens.html", form=form, tokens=tokens,
                           created=created, secret=secret, scope_labels=api_tokens.SCOPES)
