"""Helpers of the API tests (tests/test_api_*.py): tokens and requests with them."""
from datetime import timedelta

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.workflow import api_tokens

ALL_SCOPES = ("cases:read", "steps:write", "documents:write", "messages:write",
              "webhooks:manage", "reports:read")


def make_token(user, scopes=ALL_SCOPES, name="项目管理系统", days=30):
    """A committed token of `user`; returns its secret."""
    _token, secret = api_tokens.create_token(user, name=name, scopes=list(scopes),
                                             expires_on=clock.today() + timedelta(days=days))
    db.session.commit()
    return secret


def bearer(secret, **headers):
    return {"Authorization": f"Bearer {secret}", **headers}


def assert_problem(response, status):
    """An RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    return body
