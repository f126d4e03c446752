"""Personal access tokens of the JSON API (docs/api.md): listed, created after the password
(and the one-time code) is given again, shown once, revoked."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proxy_service import permissions
from proxy_service.auth import bp
from proxy_service.auth.token_forms import ApiTokenForm
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.identity.reauth import reauth_on_form
from proxy_service.workflow import api_tokens


@bp.get("/account/api-tokens")
@login_required
def api_tokens_page():
    return _page(ApiTokenForm())


@bp.post("/account/api-tokens")
@login_required
def create_api_token():
    form = ApiTokenForm()
    if not form.validate_on_submit() or not reauth_on_form(current_user, form):
        return _page(form), 422
    with committing() as outcome:
        token, secret = api_tokens.create_token(current_user, name=form.name.data,
                                                scopes=form.scopes.data,
                                                expires_on=form.expires_on.data)
    if outcome.conflict is not None:
        return _page(form), 422
    # Shown on this answer only (no redirect: the secret never goes into the session).
    return _page(ApiTokenForm(formdata=None), created=token, secret=secret)


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id):
    token = permissions.api_token_or_404(current_user, token_id)
    if attempt(api_tokens.revoke_token, token, current_user) is None:
        flash(_("令牌“%(name)s”已吊销。", name=token.name), "success")
    return redirect(url_for("auth.api_tokens_page"))


def _page(form, created=None, secret=None):
    tokens = db.session.scalars(permissions.own_api_tokens(current_user)).all()
    return render_template("auth/api_tokens.html", form=form, tokens=tokens, created=created,
                           secret=secret, scope_labels=api_tokens.SCOPES)
