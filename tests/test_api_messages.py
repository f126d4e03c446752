"""A case's messages through /api/v1: read as the case page shows them (internal notes only to
staff), posted through the page's verb and audited with the token's name; only staff write
internal notes; out of reach (404) for whoever does not see the case."""
import pytest
from sqlalchemy import select

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Message

from .api_helpers import assert_problem, bearer, make_token

OUTSIDERS = ("other_enterprise", "other_manager", "other_center_agent", "other_agent")


def _url(case):
    return f"/api/v1/cases/{case.id}/messages"


def _post(client, case, secret, body, **headers):
    return client.post(_url(case), json=body, headers=bearer(secret, **headers))


def _bodies(client, case, secret):
    return [item["body"] for item in client.get(_url(case), headers=bearer(secret))
            .get_json()["items"]]


@pytest.mark.parametrize("who", ["owner", "agent", "manager"])
def test_those_who_see_the_case_post_and_read_messages(client, world, case, who):
    secret = make_token(world.users[who], name="ERP同步")
    response = _post(client, case, secret, {"body": "  规划图已上传，请查收  "})
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    assert (sent["body"], sent["internal"], sent["author"]["name"]) == (
        "规划图已上传，请查收", False, world.users[who].name)
    assert _bodies(client, case, secret) == ["规划图已上传，请查收"]
    message = db.session.get(Message, sent["id"])
    assert message.case_id == case.id and message.author_id == world.users[who].id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "message")).one()
    assert event.actor_id == world.users[who].id and not event.internal
    assert event.comment == "（经接口令牌“ERP同步”）规划图已上传，请查收"


def test_internal_notes_are_the_staffs(client, world, case):
    workflow.post_message(case, world.users["owner"], "请问何时办结？")
    db.session.commit()
    agent = make_token(world.users["agent"], name="内部系统")
    note = _post(client, case, agent, {"body": "企业资金已到位", "internal": True})
    assert note.status_code == 201 and note.get_json()["internal"] is True
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "note")).one()
    assert event.internal and event.comment == "（经接口令牌“内部系统”）企业资金已到位"
    assert _bodies(client, case, agent) == ["请问何时办结？", "企业资金已到位"]
    assert _bodies(client, case, make_token(world.users["manager"])) == [
        "请问何时办结？", "企业资金已到位"]
    assert _bodies(client, case, make_token(world.users["owner"])) == ["请问何时办结？"]


def test_an_enterprise_token_asking_for_an_internal_note_is_refused(client, world, case):
    secret = make_token(world.users["owner"])
    body = assert_problem(_post(client, case, secret, {"body": "悄悄话", "internal": True}), 403)
    assert "内部备注" in body["detail"]
    english = _post(client, case, secret, {"body": "悄悄话", "internal": True},
                    **{"Accept-Language": "en"})
    assert "internal note" in assert_problem(english, 403)["detail"]
    assert db.session.scalars(select(Message)).all() == []
    assert _post(client, case, secret, {"body": "公开留言", "internal": False}).status_code == 201


@pytest.mark.parametrize("body, field, message", [
    ({"body": "   "}, "body", "请填写留言内容。"),
    ({"body": "长" * 2001}, "body", "留言不能超过 2000 字。"),
    ({}, "body", "缺少必填字段。"),
    ({"body": "好", "internal": "true"}, "internal", "应为布尔值 true 或 false。"),
    ({"body": "好", "to": "all"}, "to", "不允许的字段。"),
], ids=["blank", "too-long", "missing", "string-boolean", "unknown-field"])
def test_a_message_the_page_would_refuse_is_a_field_error(client, world, case, body, field,
                                                          message):
    secret = make_token(world.users["owner"])
    problem = assert_problem(_post(client, case, secret, body), 422)
    assert problem["errors"] == {field: [message]}
    assert db.session.scalars(select(Message)).all() == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_and_post_nothing(client, world, case, who):
    workflow.post_message(case, world.users["owner"], "请问何时办结？")
    db.session.commit()
    secret = make_token(world.users[who])
    assert_problem(client.get(_url(case), headers=bearer(secret)), 404)
    assert_problem(_post(client, case, secret, {"body": "你好"}), 404)
    assert [message.body for message in db.session.scalars(select(Message))] == ["请问何时办结？"]


def test_posting_needs_messages_write(client, world, case):
    reader = make_token(world.users["owner"], scopes=["cases:read"])
    assert_problem(_post(client, case, reader, {"body": "你好"}), 403)
    writer = make_token(world.users["owner"], scopes=["messages:write"])
    assert _post(client, case, writer, {"body": "你好"}).status_code == 201
    assert_problem(client.get(_url(case), headers=bearer(writer)), 403)
