"""Personal access tokens (models/api_tokens.py): created by their user on the settings page
after re-authentication, shown once, revoked by the user (or for good when the account loses
trust: identity.api_tokens.revoke_all). Audited on the user, in Chinese.

The audit comment of every write through the API names the token (`through`): the comment is
hashed into the audit chain, so the name cannot be changed afterwards, and every page that
shows the trail shows it without a column of its own.
"""
import secrets
from datetime import datetime, time

from flask_babel import lazy_gettext as _l

from proxy_service.core import clock
from proxy_service.core.conflicts import TransitionError, require
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.identity.api_tokens import revoke
from proxy_service.models import ApiToken
from proxy_service.models.api_tokens import LONGEST_LIFE, SCOPES, SECRET_PREFIX, secret_hash
from proxy_service.workflow.moves import _audit_event

__all__ = ["SCOPES", "create_token", "revoke_token", "through"]


def create_token(user, *, name, scopes, expires_on, actor=None, action="api_token_create"):
    """A new token of `user`, made by `actor` (the user themselves unless a manager makes a
    center token: workflow/center_tokens.py): returns (token, secret); the secret is never
    stored, so the caller shows it once. It expires at the end of `expires_on` (Beijing), at
    most a year from now."""
    actor = actor or user
    name = require(name, _l("请填写令牌名称。"))
    if not scopes or set(scopes) - set(SCOPES):
        raise TransitionError(_l("请选择令牌的权限范围。"))
    if not clock.today() < expires_on <= clock.today() + LONGEST_LIFE:
        raise TransitionError(_l("有效期须在明天至一年之内。"))
    expires_at = datetime.combine(expires_on, time.max, clock.BEIJING)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, created_by=actor, name=name, scopes=" ".join(sorted(scopes)),
                     secret_sha256=secret_hash(secret), hint=secret[:10], expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    # i18n-keep: an audit record, its scopes joined the Chinese way
    comment = in_record_language(_l("%(name)s（%(hint)s…），权限：%(scopes)s，有效期至%(day)s",
                                    name=name, hint=token.hint, scopes="、".join(sorted(scopes)),
                                    day=expires_on.isoformat()))
    _audit_event(actor, user, action, comment=comment)
    db.session.flush()
    return token, secret


def revoke_token(token, actor, action="api_token_revoke"):
    """The owner (or, for a center token, a manager of the center) revokes a token. Allowed
    while it is live."""
    if not token.live:
        raise TransitionError(_l("该令牌已失效。"))
    revoke(token, actor, action=action)


def through(token):
    """The opening of the audit comment of a write through the API with `token`."""
    return in_record_language(_l("（经接口令牌“%(name)s”）", name=token.name))
