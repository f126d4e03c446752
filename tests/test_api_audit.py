"""A case's audit trail through /api/v1: staff read every event the case page shows them,
an enterprise exactly what its page shows it (no internal notes); outsiders get 404."""
import pytest
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent
from proxy_service.permissions import visible_case_events
from proxy_service.workflow import cases as case_verbs

from .api_helpers import assert_problem, bearer, make_token

OUTSIDERS = ("other_enterprise", "other_manager", "other_center_agent", "other_agent")


@pytest.fixture
def noted(world):
    """The world's case with a message to the enterprise and an internal note."""
    case = world.case()
    case_verbs.post_message(case, world.users["agent"], "请补充营业执照")
    case_verbs.post_message(case, world.users["agent"], "企业联系人不好联系", internal=True)
    db.session.commit()
    return case


def _trail(client, case, secret):
    response = client.get(f"/api/v1/cases/{case.id}/audit", headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


@pytest.mark.parametrize("who", ["manager", "agent"])
def test_staff_read_every_event_internal_notes_included(client, world, noted, who):
    items = _trail(client, noted, make_token(world.users[who]))
    every = db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == noted.id)
                               .order_by(AuditEvent.at, AuditEvent.id)).all()
    assert [item["id"] for item in items] == [event.id for event in every]
    note = next(item for item in items if item["comment"] == "企业联系人不好联系")
    assert note["internal"] is True and note["action"] == "note"
    assert note["actor"]["name"] == "刘代办" and note["action_label"]


def test_the_enterprise_reads_what_its_page_shows_it(client, world, noted, login_as):
    items = _trail(client, noted, make_token(world.users["owner"]))
    comments = [item["comment"] for item in items]
    assert "请补充营业执照" in comments and "企业联系人不好联系" not in comments
    assert not any(item["internal"] for item in items)
    shown = db.session.scalars(visible_case_events(world.users["owner"], noted)).all()
    assert sorted(item["id"] for item in items) == sorted(event.id for event in shown)
    page = login_as(world.users["owner"]).get(f"/cases/{noted.id}").text
    assert "请补充营业执照" in page and "企业联系人不好联系" not in page


def test_labels_follow_the_callers_language(client, world, noted):
    secret = make_token(world.users["manager"])
    chinese = _trail(client, noted, secret)
    english = client.get(f"/api/v1/cases/{noted.id}/audit",
                         headers=bearer(secret, **{"Accept-Language": "en"})).get_json()["items"]
    assert [item["action"] for item in chinese] == [item["action"] for item in english]
    assert chinese[0]["action_label"] != english[0]["action_label"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404(client, world, noted, who):
    secret = make_token(world.users[who])
    assert_problem(client.get(f"/api/v1/cases/{noted.id}/audit", headers=bearer(secret)), 404)
