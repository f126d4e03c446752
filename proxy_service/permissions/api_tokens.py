"""API tokens on the settings pages: a user sees and revokes only their own personal tokens;
a manager sees and revokes the center tokens of their own center (those of its service user)."""
from sqlalchemy import false, select
from sqlalchemy.orm import joinedload

from proxy_service.core.extensions import db
from proxy_service.models import ApiToken, Role, User


def own_api_tokens(user):
    """The user's tokens, newest first (revoked and expired ones too: the page says so)."""
    return (select(ApiToken).where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))


def api_token_or_404(user, token_id):
    return db.first_or_404(own_api_tokens(user).where(ApiToken.id == token_id))


def center_api_tokens(user):
    """The center tokens of the (manager) user's center, newest first; none for anyone else."""
    service = select(User.id).where(User.center_id == user.center_id, User.service.is_(True))
    if user.role is not Role.MANAGER or user.center_id is None:
        service = service.where(false())
    return (select(ApiToken).where(ApiToken.user_id.in_(service))
            .options(joinedload(ApiToken.created_by))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))


def center_api_token_or_404(user, token_id):
    return db.first_or_404(center_api_tokens(user).where(ApiToken.id == token_id))
