"""Center service tokens: API tokens that act as the center, for a provincial system, made
and revoked by the center's managers (docs/api.md).

A center token acts through the center's service user (User.service): a manager of the center
made, lazily, with the first center token. It cannot log in (no password verifies against its
hash, and the login refuses it before looking: identity/lockout.py), it is never listed among
the staff, offered for assignment or notified. So the token reaches what a manager of the
center reaches, narrowed by its scopes.

A center token belongs to the center, not to the manager who made it (`created_by`):
deactivating that manager does not revoke it — an integration must not stop when a person
leaves; the center's other managers see it and revoke it when it should stop. Creation and
revocation are audited on the service user (the center's chain), by the manager.
"""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from proxy_service.core.conflicts import TransitionError
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.models import Role, User
from proxy_service.workflow.api_tokens import create_token, revoke_token

UNUSABLE_PASSWORD = "!"   # no hash verifies against it
SERVICE_NAME = _l("接口服务账号")

__all__ = ["create_center_token", "revoke_center_token", "service_user"]


def service_user(center_id):
    """The center's service user; made (flushed) when the center has none yet."""
    user = db.session.scalar(select(User).where(User.center_id == center_id,
                                                User.service.is_(True)))
    if user is None:
        # A random name, so that no user who chose theirs holds it already; the login refuses
        # the service user anyway, whoever knows the name.
        user = User(username=f"service-{center_id}-{secrets.token_hex(8)}",
                    password_hash=UNUSABLE_PASSWORD, role=Role.MANAGER, service=True,
                    name=in_record_language(SERVICE_NAME), center_id=center_id,
                    notify_email=False, notify_sms=False)
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError as err:   # uq_users_service_center: another manager, just now
            raise TransitionError(_l("另一位管理员刚刚创建了本中心的第一个令牌，请重试。")) from err
    return user


def create_center_token(manager, *, name, scopes, expires_on):
    """A new token of the manager's center: (token, secret), as workflow.api_tokens'
    create_token, acting as the center's service user."""
    token, secret = create_token(service_user(manager.center_id), name=name, scopes=scopes,
                                 expires_on=expires_on, actor=manager,
                                 action="center_token_create")
    return token, secret


def revoke_center_token(token, manager):
    """A manager of the center revokes one of its tokens. Allowed while it is live."""
    revoke_token(token, manager, action="center_token_revoke")

