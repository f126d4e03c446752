"""Personal access tokens (the settings page): a user sees and revokes only their own."""
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import ApiToken


def own_api_tokens(user):
    """The user's tokens, newest first (revoked and expired ones too: the page says so)."""
    return (select(ApiToken).where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))


def api_token_or_404(user, token_id):
    return db.first_or_404(own_api_tokens(user).where(ApiToken.id == token_id))
