"""Personal data: an enterprise contact's mobile and e-mail reach only those who need them;
the privacy notice states how long what is kept; a manager of the person's home center
exports or erases a person's data on request (re-authenticated, audited), where no legal
retention applies; agreements, audit entries and case records keep the person's name."""
import io
import json

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from proxy_service import workflow
from proxy_service.audit.chain import verify_chains
from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    Case,
    Document,
    EnterpriseClaim,
    Message,
    Notification,
    OutboxMessage,
    Role,
    User,
)
from proxy_service.workflow import enterprises
from proxy_service.workflow.documents import store_document

from .factories import PASSWORD, make_user, staff_code
from .test_access_matrix import PDF, targets  # noqa: F401

ENTERPRISE_MOBILE, ENTERPRISE_EMAIL = "13755550001", "contact.private@example.com"
CASE_MOBILE, USER_MOBILE, USER_EMAIL = "13755550002", "13755550003", "owner.private@example.com"
SECRETS = (ENTERPRISE_MOBILE, ENTERPRISE_EMAIL, CASE_MOBILE, USER_MOBILE, USER_EMAIL)


def _upload(name="材料.pdf"):
    return FileStorage(io.BytesIO(PDF), filename=name)


# --- who sees the contact data ---------------------------------------------------------

@pytest.fixture
def private(world, targets):  # noqa: F811 (the access matrix's objects, plus contact data)
    enterprise, owner = world.enterprises[0], world.users["owner"]
    enterprise.mobile, enterprise.email = ENTERPRISE_MOBILE, ENTERPRISE_EMAIL
    owner.phone, owner.email = USER_MOBILE, USER_EMAIL
    db.session.get(Case, targets["case_id"]).contact_mobile = CASE_MOBILE
    db.session.commit()
    return targets


def _get_routes(app):
    # verify.by_link shows the public summary of a sealed agreement by its number: no contact.
    return sorted({rule.rule: rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint not in ("static", "verify.by_link")
                   }.values(), key=lambda r: r.rule)


EXTRA_PAGES = ["/admin/enterprises?tab=all", "/manage/export?list=cases&format=csv",
               "/cases?sort=light", "/admin/people?q=李"]


def _pages_seen_by(client, app, targets):  # noqa: F811 (the fixture, imported above)
    """Every GET page the logged-in user can open, with the test objects as arguments."""
    with app.test_request_context():
        urls = [url_for(rule.endpoint, **{a: targets[a] for a in rule.arguments})
                for rule in _get_routes(app)] + EXTRA_PAGES
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            yield url, response.get_data()


@pytest.mark.parametrize("outsider", ["other_enterprise", "other_agent", "other_manager",
                                      "other_center_agent"])
def test_contact_data_reaches_no_one_who_does_not_need_it(client, app, world, login_as, private,
                                                          confirm_identity, outsider):
    login_as(world.users[outsider])
    confirm_identity(world.users[outsider])   # so that the exports answer, not the confirmation
    for url, body in _pages_seen_by(client, app, private):
        for secret in SECRETS:
            assert secret.encode() not in body, f"{outsider} sees {secret} on {url}"


@pytest.mark.parametrize("insider, shown", [
    ("owner", {ENTERPRISE_MOBILE, ENTERPRISE_EMAIL, CASE_MOBILE, USER_MOBILE, USER_EMAIL}),
    ("agent", {CASE_MOBILE}),                                  # the case's own agent
    ("manager", {ENTERPRISE_MOBILE, ENTERPRISE_EMAIL, CASE_MOBILE, USER_MOBILE, USER_EMAIL}),
])
def test_those_who_need_it_do_see_it(client, app, world, login_as, private, confirm_identity,
                                     insider, shown):
    login_as(world.users[insider])
    confirm_identity(world.users[insider])
    seen = set()
    for _url, body in _pages_seen_by(client, app, private):
        seen |= {secret for secret in SECRETS if secret.encode() in body}
    assert shown <= seen


# --- the privacy notice ----------------------------------------------------------------

def test_privacy_notice_states_retention_and_rights(client):
    page = client.get("/privacy").text
    for words in ("30 年", "6 个月", "《中华人民共和国档案法》", "第二十一条", "第四十五条",
                  "第四十七条", "第四十七条第二款", "第十三条第一款第二项", "申请删除后即删除"):
        assert words in page, words


# --- export ------------------------------------------------------------------------------

@pytest.fixture
def colleague(world):
    """A second user of the first enterprise, with a trail: a message and a document on an
    open case, a notification, an e-mail copy waiting in the outbox."""
    person = make_user("zhouqi", Role.ENTERPRISE, enterprise=world.enterprises[0], name="周七")
    person.phone, person.email = USER_MOBILE, USER_EMAIL
    case = world.case()
    workflow.post_message(case, person, "请问环评批复何时能下来？")
    store_document(_upload(), kind="material", uploader=person, case=case)
    db.session.add(Notification(user_id=person.id, case_id=case.id, kind="x", text="案件已受理"))
    db.session.add(OutboxMessage(user_id=person.id, channel="email", recipient=USER_EMAIL,
                                 subject="案件进展", body="……", message_id="m-1@localhost"))
    db.session.commit()
    world.busy_case = case
    return person


def _request(form, reason="本人书面申请", password=PASSWORD, code=None, **extra):
    data = {f"{form}-reason": reason, f"{form}-password": password,
            f"{form}-code": staff_code() if code is None else code}
    data.update({f"{form}-{k}": v for k, v in extra.items()})
    return data


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_manager_exports_a_persons_data(client, world, login_as, colleague):
    login_as(world.users["manager"])
    page = client.get(f"/admin/people/{colleague.id}")
    assert page.status_code == 200 and "周七" in page.text and USER_MOBILE in page.text
    response = client.post(f"/admin/people/{colleague.id}/export",
                           data=_request("export", reason="本人于 6 月 3 日书面申请复制"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.data)
    assert data["profile"]["mobile"] == USER_MOBILE and data["profile"]["email"] == USER_EMAIL
    assert data["enterprise"]["name"] == world.enterprises[0].name
    assert [m["body"] for m in data["messages"]] == ["请问环评批复何时能下来？"]
    assert [d["filename"] for d in data["documents"]] == ["材料.pdf"]
    assert "案件已受理" in [n["text"] for n in data["notifications"]]
    assert data["login_history"]["stored"] is False
    assert [e["action"] for e in data["audit_entries"]] == ["留言", "上传材料"]
    event, = _events("personal_data_export")
    assert (event.actor_id, event.object_id, event.comment) == (
        world.users["manager"].id, colleague.id, "本人于 6 月 3 日书面申请复制")
    assert event.center_id == world.centers[0].id
    assert verify_chains(db.session)[0] == []


def test_signatures_are_in_the_owners_export(client, world, login_as):
    world.case()    # signed by the owner in the factory
    db.session.commit()
    login_as(world.users["manager"])
    response = client.post(f"/admin/people/{world.users['owner'].id}/export",
                           data=_request("export"))
    signatures = json.loads(response.data)["signatures"]
    assert [s["signer_name"] for s in signatures] == ["张三"] and signatures[0]["ip_address"]


@pytest.mark.parametrize("action", ["export", "erase"])
@pytest.mark.parametrize("bad", [{"password": "wrong-password"}, {"code": "000000"},
                                 {"reason": "  "}])
def test_no_export_or_erasure_without_reason_password_and_code(client, world, login_as,
                                                                colleague, action, bad):
    login_as(world.users["manager"])
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    data = _request(action, confirm="y")
    data.update({f"{action}-{k}": v for k, v in bad.items()})
    response = client.post(f"/admin/people/{colleague.id}/{action}", data=data)
    assert response.status_code == 422
    assert "application/json" not in response.headers["Content-Type"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert db.session.get(User, colleague.id).phone == USER_MOBILE


def test_a_failed_reauthentication_counts_toward_the_lockout(client, world, login_as, colleague):
    login_as(world.users["manager"])
    client.post(f"/admin/people/{colleague.id}/export", data=_request("export", password="nope"))
    db.session.expire_all()
    assert db.session.get(User, world.users["manager"].id).failed_logins == 1


@pytest.mark.parametrize("who, status", [("other_manager", 404), ("agent", 403), ("owner", 403)])
def test_only_the_home_centers_managers_handle_requests(client, world, login_as, colleague, who,
                                                         status):
    login_as(world.users[who])
    for url in (f"/admin/people/{colleague.id}", f"/admin/people/{colleague.id}/export",
                f"/admin/people/{colleague.id}/erase"):
        method = client.get if url.endswith(str(colleague.id)) else client.post
        assert method(url, data=_request("export", confirm="y")).status_code == status


def test_staff_accounts_are_not_handled_here(client, world, login_as):
    login_as(world.users["manager"])
    assert client.get(f"/admin/people/{world.users['agent'].id}").status_code == 404


def test_the_list_finds_the_centers_people_only(client, world, login_as, colleague):
    outsider = make_user("yinchuan", Role.ENTERPRISE, name="银川用户")   # no enterprise, no claim
    db.session.commit()
    login_as(world.users["manager"])
    page = client.get("/admin/people").text
    assert "周七" in page and "李四" in page and "赵六" in page and outsider.name not in page
    assert "周七" not in client.get("/admin/people?q=李四").text


# --- erasure ---------------------------------------------------------------------------

def _end(case, world):
    workflow.terminate_case(case, world.users["manager"], "企业撤资")
    db.session.commit()


def test_erasure_empties_the_account_and_keeps_the_records(client, app, world, login_as,
                                                           colleague):
    _end(world.busy_case, world)
    person_client = app.test_client()
    assert person_client.post("/login", data={"username": "zhouqi",
                                              "password": PASSWORD}).status_code == 302
    login_as(world.users["manager"])
    response = client.post(f"/admin/people/{colleague.id}/erase",
                           data=_request("erase", reason="本人申请注销", confirm="y"))
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, colleague.id)
    assert (person.name, person.phone, person.email, person.active) == ("周七", "", "", False)
    assert person.username == f"erased-{person.id}" and person.erased_at is not None
    assert person.totp_secret is None and not person.notify_sms and not person.notify_email
    for model in (Notification, OutboxMessage):
        assert db.session.scalar(select(func.count(model.id)).where(model.user_id == person.id)) == 0
    # The case record keeps what the person wrote and uploaded, under their name.
    message = db.session.scalar(select(Message).where(Message.author_id == person.id))
    assert message.body == "请问环评批复何时能下来？" and message.author.name == "周七"
    assert db.session.scalar(select(func.count(Document.id)).where(
        Document.uploaded_by_id == person.id)) == 1
    event, = _events("personal_data_erase")
    assert event.comment == "本人申请注销" and event.object_id == person.id
    assert (event.from_status, event.to_status, event.center_id) == (
        "active", "inactive", world.centers[0].id)
    assert verify_chains(db.session)[0] == []
    # Logged out everywhere, and no way back in.
    assert "/login" in person_client.get("/cases").headers.get("Location", "")
    for username in ("zhouqi", f"erased-{person.id}"):
        assert person_client.post("/login", data={"username": username,
                                                  "password": PASSWORD}).status_code == 401
    # The timeline of the case still names the author.
    assert "周七" in client.get(f"/cases/{world.busy_case.id}").text


def test_the_contact_of_an_open_case_is_not_erased_until_it_ends(client, world, login_as,
                                                                 colleague):
    case = world.busy_case
    case.contact_mobile = colleague.phone
    db.session.commit()
    login_as(world.users["manager"])
    page = client.get(f"/admin/people/{colleague.id}").text
    assert "暂不能删除" in page and case.number in page
    response = client.post(f"/admin/people/{colleague.id}/erase",
                           data=_request("erase", confirm="y"))
    assert response.status_code == 409 and "第十三条第一款第二项" in response.text
    db.session.expire_all()
    assert db.session.get(User, colleague.id).phone == USER_MOBILE
    assert _events("personal_data_erase") == []
    _end(case, world)
    assert client.post(f"/admin/people/{colleague.id}/erase",
                       data=_request("erase", confirm="y")).status_code == 302


def test_the_enterprises_registered_contact_is_not_erased(client, world, login_as, colleague):
    _end(world.busy_case, world)
    world.enterprises[0].mobile = colleague.phone
    db.session.commit()
    login_as(world.users["manager"])
    response = client.post(f"/admin/people/{colleague.id}/erase",
                           data=_request("erase", confirm="y"))
    assert response.status_code == 409 and "更换联系人" in response.text


def test_a_pending_claimant_is_decided_before_erasure(client, world, login_as):
    claimant = make_user("claimant", Role.ENTERPRISE, name="钱八")
    db.session.add(EnterpriseClaim(enterprise=world.enterprises[0], claimant=claimant,
                                   claimed_name="x", legal_representative="x",
                                   contact_person="钱八", mobile="13900000000"))
    db.session.commit()
    login_as(world.users["manager"])
    response = client.post(f"/admin/people/{claimant.id}/erase", data=_request("erase", confirm="y"))
    assert response.status_code == 409 and "认领申请尚未处理" in response.text
    claim = db.session.scalar(select(EnterpriseClaim))
    enterprises.resolve_claim(claim, world.users["manager"], approve=False, note="非本企业人员")
    db.session.commit()
    assert client.post(f"/admin/people/{claimant.id}/erase",
                       data=_request("erase", confirm="y")).status_code == 302
    db.session.expire_all()
    assert db.session.get(EnterpriseClaim, claim.id).mobile == ""


def test_erasure_needs_the_confirmation_and_happens_once(client, world, login_as, colleague):
    _end(world.busy_case, world)
    login_as(world.users["manager"])
    url = f"/admin/people/{colleague.id}/erase"
    assert client.post(url, data=_request("erase")).status_code == 422     # not confirmed
    assert client.post(url, data=_request("erase", confirm="y")).status_code == 302
    again = client.post(url, data=_request("erase", confirm="y"))
    assert again.status_code == 409 and "已于" in again.text
    assert len(_events("personal_data_erase")) == 1
    # What is left can still be exported (the name and the case records).
    data = json.loads(client.post(f"/admin/people/{colleague.id}/export",
                                  data=_request("export")).data)
    assert data["profile"]["name"] == "周七" and data["profile"]["mobile"] == ""
    assert data["profile"]["erased_at"]


def test_the_export_holds_no_colleagues_contact_data(client, world, login_as, colleague):
    world.enterprises[0].mobile, world.enterprises[0].email = ENTERPRISE_MOBILE, ENTERPRISE_EMAIL
    db.session.commit()
    login_as(world.users["manager"])
    body = client.post(f"/admin/people/{colleague.id}/export", data=_request("export")).data
    assert ENTERPRISE_MOBILE.encode() not in body and ENTERPRISE_EMAIL.encode() not in body
    world.enterprises[0].mobile = USER_MOBILE    # now the colleague is the registered contact
    db.session.commit()
    data = json.loads(client.post(f"/admin/people/{colleague.id}/export",
                                  data=_request("export")).data)
    assert data["enterprise"]["contact_mobile"] == USER_MOBILE
