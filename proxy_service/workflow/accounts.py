"""Staff accounts of a center (User.active, ACCOUNT_MOVES): opened by a manager, deactivated
(the person can no longer log in) and activated again. Never deleted: the audit log, the
cases and the agreements keep naming them.

Like every verb, these take the actor, flush, and leave the commit to the caller.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.identity import api_tokens
from proxy_service.workflow.moves import ACCOUNT_MOVES, _audit_event, _begin, _move


class UsernameTaken(TransitionError):
    """The username was taken by another request after the form checked it."""

    def __init__(self):
        super().__init__(_l("该用户名已被使用。"))


def open_account(user, actor):
    """Store the new `user` (built by the form, not yet added), active, audited.
    Raises UsernameTaken when another request took the username meanwhile (the session must
    then be rolled back, as the commit helper does)."""
    _begin(user, True, field="active")
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as err:   # the unique username, taken a moment ago
        raise UsernameTaken() from err
    _audit_event(actor, user, "user_create",  # i18n-keep: audit record
                 comment=f"{user.username}（{in_record_language(user.role.label)}）")
    db.session.flush()
    return user


def activate_account(user, actor):
    """The person may log in again. Allowed while deactivated."""
    _move(user, ACCOUNT_MOVES, "user_activate", actor, user.username, field="active")
    db.session.flush()


def deactivate_account(user, actor):
    """The person can no longer log in, nor their API tokens act; their open cases stay theirs
    until re-assigned. Allowed while active, never on one's own account (TransitionError)."""
    if user.id == actor.id:
        raise TransitionError(_l("不能停用自己的账号。"))
    _move(user, ACCOUNT_MOVES, "user_deactivate", actor, user.username, field="active")
    api_tokens.revoke_all(user, actor, _l("账号已停用"))
    db.session.flush()
