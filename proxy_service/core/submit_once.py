"""Double-submit protection for create forms: one record per rendered form.

A create form mixes in `SubmitOnceMixin`: its hidden field `submit_token` gets a fresh random
token each time the form is rendered blank (and keeps the posted one when the form comes back
with errors). The view, after validating and before creating anything, claims the token:

    if not form.validate_on_submit():       # a token used before ends the request here
        return render_template(...)
    submit_once.claim(form)                  # like abort(): may end the request
    project = services.create_project(...)
    url = submit_once.lands_at(form, url_for("enterprises.project", project_id=project.id))
    db.session.commit()                      # the token row commits with the record
    return redirect(url)

A post whose token was claimed before is answered, like abort() answers, with a redirect to
the page the first post went to and the message "already received"; the form's validation
does this check first, so that a repeated post is never told that, say, its username is
taken now. Two posts at the same moment both find no token; the claim inserts a row into
`submit_tokens` (unique token) in the request's transaction, and their inserts meet on the
unique constraint (PostgreSQL makes the second wait for the first to commit; SQLite's single
writer does the same): the loser rolls back everything and is redirected likewise. When the
first post fails (a business rule, a rollback), its token row goes with it and the form may be
posted again.

A post without a token (a script, a page rendered before this existed) is processed as
before, unprotected; a malformed token refuses the form with a message and a fresh token.
Tokens older than SUBMIT_TOKEN_DAYS are deleted when a new one is claimed. The rows are of the
model create_app passes to init_app (models.SubmitToken): core imports no models.
"""
import secrets
from datetime import timedelta

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from wtforms import HiddenField
from wtforms.validators import Optional, Regexp

from proxy_service.core import clock
from proxy_service.core.extensions import db

TOKEN_SHAPE = r"^[A-Za-z0-9_-]{20,64}$"
DEFAULT_DAYS = 7


def init_app(app, tokens):
    """Keep claimed tokens as rows of `tokens`: a model with a unique `token` and `user_id`,
    `endpoint`, `target_url`, `created_at` columns."""
    app.extensions["submit_once"] = tokens


def _tokens():
    return current_app.extensions["submit_once"]


def new_token():
    return secrets.token_urlsafe(24)


class AlreadySubmitted(HTTPException):
    """Ends the request like abort(): a redirect to where the first post of the form went."""

    code = 302
    description = "This form was submitted before."

    def __init__(self, location):
        super().__init__()
        self.location = location

    def get_response(self, environ=None, scope=None):
        return redirect(self.location, self.code)


class SubmitOnceMixin:
    """Mix into a create form (before FlaskForm): adds the hidden one-time `submit_token`."""

    # No id attribute: a page may hold several create forms (message and upload on a case).
    submit_token = HiddenField(default=new_token, render_kw={"id": False}, validators=[
        Optional(), Regexp(TOKEN_SHAPE, message=_l("表单已失效，请刷新页面后重新填写。"))])

    def validate(self, extra_validators=None):
        """Raises AlreadySubmitted for a token claimed before; then the usual validation."""
        token = posted_token(self)
        if token is not None and (earlier := _find(token)) is not None:
            raise _repeat(earlier)
        valid = super().validate(extra_validators)
        if not valid and token is not None and (earlier := _find(token)) is not None:
            # A twin posted at the same moment committed while this one was being checked (and
            # its record may be why this one fails, e.g. a user name now taken): a repeat.
            raise _repeat(earlier)
        if self.submit_token.errors:
            # The field is hidden: say it above the form, and give the form a good token.
            for message in self.submit_token.errors:
                flash(str(message), "warning")
            self.submit_token.data, self.submit_token.raw_data = new_token(), None
        return valid


def posted_token(form):
    """The well-formed token the browser sent, or None (none sent: unprotected)."""
    field = getattr(form, "submit_token", None)
    if field is None or not field.raw_data or not field.data:
        return None
    return field.data if Regexp(TOKEN_SHAPE).regex.match(field.data) else None


def claim(form):
    """Claim the form's token for this request, in the current transaction.

    Call after validation and before anything is created, then lands_at() before committing.
    Raises AlreadySubmitted (a redirect, like abort()) when another request holding the same
    token committed first; this request's transaction is then rolled back.
    """
    token = posted_token(form)
    if token is None:
        return
    row = _tokens()(token=token, user_id=_user_id(), endpoint=request.endpoint or "",
                    created_at=clock.now())
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request with the same token got there first: it created the record.
        db.session.rollback()
        raise _repeat(_find(token)) from None
    form._submit_claim = row
    _forget_old()


def lands_at(form, url):
    """Record where the created record is shown (call before the commit); returns `url`."""
    row = getattr(form, "_submit_claim", None)
    if row is not None:
        row.target_url = url[:300]
        db.session.flush()
    return url


def _find(token):
    tokens = _tokens()
    return db.session.scalar(select(tokens).where(tokens.token == token))


def _user_id():
    return current_user.id if current_user.is_authenticated else None


def _repeat(earlier):
    """The answer to a repeated post: "already received", and the first post's page (only
    for the same user: a token is no way to learn where someone else's record is)."""
    flash(_("您的提交已收到，请勿重复提交。"), "info")
    target = earlier.target_url if earlier is not None and earlier.user_id == _user_id() else ""
    return AlreadySubmitted(target or url_for("auth.home"))


def _forget_old():
    days = current_app.config.get("SUBMIT_TOKEN_DAYS", DEFAULT_DAYS)
    tokens = _tokens()
    db.session.execute(delete(tokens).where(tokens.created_at < clock.now() - timedelta(days=days)))
