"""In-app notifications: who hears of which event (once, never the actor), the bell, the list,
mark read, and the delivery preferences."""
import json
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from proxy_service import workflow
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Notification, OutboxMessage, Role, User
from proxy_service.notifications import inbox
from proxy_service.workflow import enterprises

from .factories import PDF, make_user

pytestmark = pytest.mark.usefixtures("app")


def kinds(user, kind=None):
    query = select(Notification.kind).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def texts(user, kind):
    return db.session.scalars(select(Notification.text).where(
        Notification.user_id == user.id, Notification.kind == kind)).all()


def test_request_reaches_the_centers_managers_only(world):
    case = world.case(accepted=False)
    db.session.commit()
    assert kinds(world.users["manager"]) == ["case_submitted"]
    assert case.number in texts(world.users["manager"], "case_submitted")[0]
    for other in ("owner", "agent", "other_manager", "other_enterprise"):
        assert kinds(world.users[other]) == []


def test_accept_and_assign_tell_the_enterprise_and_the_agent_once(world):
    case = world.case(accepted=False)
    workflow.accept_case(case, world.users["manager"], agent=world.users["agent"])
    db.session.commit()
    owner, agent, manager = (world.users[k] for k in ("owner", "agent", "manager"))
    assert kinds(owner, "case_accepted") == ["case_accepted"]
    assert kinds(owner, "case_assigned") == ["case_assigned"]
    assert "刘代办" in texts(owner, "case_assigned")[0]
    assert kinds(agent, "case_assigned") == ["case_assigned"]
    # The manager acted: no notice of their own accept/assign.
    assert kinds(manager, "case_accepted") == kinds(manager, "case_assigned") == []
    assert kinds(world.users["other_agent"]) == []


def test_decline_tells_the_enterprise_why(world):
    case = world.case(accepted=False)
    workflow.decline_case(case, world.users["manager"], "项目不在本园区")
    db.session.commit()
    assert texts(world.users["owner"], "case_declined") == [
        f"您的代办申请 {case.number} 不予受理，理由：项目不在本园区"]


def test_a_returned_step_tells_the_enterprise_what_to_correct(world):
    case = world.case()
    step = case.steps[0]
    agent = world.users["agent"]
    workflow.update_step(step, agent, seen_version=step.version, action="start")
    workflow.update_step(step, agent, seen_version=step.version, action="submit")
    workflow.update_step(step, agent, seen_version=step.version, action="return",
                         correction_request="补充土地权属证明")
    db.session.commit()
    owner = world.users["owner"]
    assert kinds(owner, "step_returned") == ["step_returned"]
    assert "补充土地权属证明" in texts(owner, "step_returned")[0]
    assert step.item.name in texts(owner, "step_returned")[0]
    assert len(kinds(owner, "step_changed")) == 2          # started, submitted
    assert kinds(agent, "step_returned") == kinds(agent, "step_changed") == []
    link = db.session.scalar(select(Notification.url).where(Notification.kind == "step_returned"))
    assert link == f"/cases/{case.id}#step-{step.id}"


def test_messages_go_to_the_other_side(world):
    case = world.case()
    owner, agent, manager = (world.users[k] for k in ("owner", "agent", "manager"))
    workflow.post_message(case, owner, "规划图已上传，请查收")
    db.session.commit()
    assert kinds(agent, "message") == ["message"] and kinds(owner, "message") == []
    assert kinds(manager, "message") == []
    workflow.post_message(case, agent, "已收到")
    workflow.post_message(case, agent, "内部：催办规划局", internal=True)
    db.session.commit()
    assert kinds(owner, "message") == ["message"]
    assert "已收到" in texts(owner, "message")[0]


def test_reassignment_tells_old_and_new_agent_and_the_enterprise(world):
    case = world.case()
    old, new, manager = world.users["agent"], world.users["other_agent"], world.users["manager"]
    before = {u.id: len(kinds(u)) for u in (old, new)}
    workflow.assign_agent(case, manager, new, reason="原代办员休假")
    db.session.commit()
    assert kinds(old, "case_reassigned") == ["case_reassigned"]
    assert "不再负责" in texts(old, "case_reassigned")[0]
    assert kinds(new, "case_reassigned") == ["case_reassigned"]
    assert "陈代办" in texts(world.users["owner"], "case_reassigned")[0]
    assert len(kinds(old)) == before[old.id] + 1 and len(kinds(new)) == before[new.id] + 1


def test_registration_and_claim_reach_the_home_centers_managers(world):
    data = {"username": "newco", "password": "secret-pass-1", "contact_person": "周七",
            "mobile": "13700000000", "email": "", "name": "晋中新材料有限公司",
            "uscc": "91140700MA0K1234X0", "legal_representative": "周七", "address": "晋中",
            "home_center_id": world.centers[0].id}
    enterprises.register(data, _licence())
    claim_data = dict(data, username="claimer", name="冒名公司")
    enterprises.register(claim_data, _licence())
    db.session.commit()
    manager = world.users["manager"]
    assert kinds(manager) == ["enterprise_registered", "enterprise_claim"]
    assert kinds(world.users["other_manager"]) == []
    newco = db.session.scalar(select(User).where(User.username == "newco"))
    assert kinds(newco) == []      # the existing enterprise is not told of a claim on it


def _licence():
    return FileStorage(BytesIO(PDF), filename="licence.pdf", content_type="application/pdf")


def test_internal_events_reach_staff_only(world):
    case = world.case()
    db.session.add(AuditEvent.record(world.users["manager"], case, "suspend", comment="内部原因",
                                     internal=True))
    db.session.commit()
    assert kinds(world.users["agent"], "case_suspended") == ["case_suspended"]
    assert kinds(world.users["owner"], "case_suspended") == []


def test_a_rolled_back_change_leaves_no_notification(world):
    case = world.case()
    db.session.commit()
    count = db.session.scalar(select(func.count(Notification.id)))
    outbox = db.session.scalar(select(func.count(OutboxMessage.id)))
    workflow.suspend_case(case, world.users["manager"], "企业材料未齐")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id))) == count
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == outbox


def test_email_and_sms_follow_preferences_and_sms_carry_no_personal_data(world):
    owner, agent = world.users["owner"], world.users["agent"]
    assert owner.notify_sms is True and agent.notify_sms is False   # SMS by default for enterprises
    inbox.set_contact(owner, owner, email="li.si@example.com", phone=owner.phone)
    inbox.set_contact(agent, agent, email="liu@example.com", phone=agent.phone)
    assert owner.notify_email is True             # a new address turns its channel on
    agent.notify_email = False
    db.session.commit()
    case = world.case()
    workflow.suspend_case(case, world.users["manager"], "企业材料未齐，等待环评批复")
    db.session.commit()
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == owner.id, OutboxMessage.subject == f"案件中止 · {case.number}"))
    (mail,) = mails.all()
    assert mail.channel == "email" and mail.recipient == "li.si@example.com"
    assert "企业材料未齐" in mail.body and f"/cases/{case.id}" in mail.body
    assert mail.message_id.startswith("<") and mail.message_id.endswith("@localhost>")
    last = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.channel == "sms", OutboxMessage.user_id == owner.id)
        .order_by(OutboxMessage.id.desc()).limit(1))
    assert last.recipient == "13800000000" and last.template_code == "case_update"
    assert json.loads(last.params) == {"case_no": case.number,
                                       "link": f"http://127.0.0.1:5000/cases/{case.id}"}
    assert last.body == f"您的代办案件{case.number}有新进展，请登录查看：http://127.0.0.1:5000/cases/{case.id}"
    for text in ("企业材料未齐", "李四", world.enterprises[0].name, world.project.name):
        assert text not in last.body
    assert not db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.user_id == agent.id))


def test_new_enterprise_users_get_sms_by_default_staff_do_not(world):
    colleague = make_user("ent1b", Role.ENTERPRISE, enterprise=world.enterprises[0])
    staff = make_user("agent9", Role.AGENT, center=world.centers[0])
    assert colleague.notify_sms is True and staff.notify_sms is False


# --- pages -------------------------------------------------------------------

def _notify(user, n, kind="message"):
    for i in range(n):
        db.session.add(Notification(user_id=user.id, kind=kind, text=f"通知 {i}", url="/cases"))
    db.session.commit()


def test_bell_shows_the_unread_count(client, world, login_as):
    owner = world.users["owner"]
    _notify(owner, 3)
    _notify(world.users["other_enterprise"], 5)
    login_as(owner)
    page = client.get("/notifications").text
    assert "消息通知：3 条未读" in page
    client.post("/notifications/read-all")
    assert "消息通知：0 条未读" in client.get("/projects").text


def test_list_page_query_count_does_not_grow(client, world, login_as, count_queries):
    owner = world.users["owner"]
    login_as(owner)
    _notify(owner, 5)
    with count_queries() as few:
        assert client.get("/notifications").status_code == 200
    _notify(owner, 50)
    with count_queries() as many:
        page = client.get("/notifications?page=2")
    assert page.status_code == 200 and "共 55 条" in page.text
    assert many.count == few.count


def test_a_notification_opens_its_page_under_the_script_root(client, world, login_as):
    # Notifications keep app-relative paths (cron jobs write them too, with no request).
    owner = world.users["owner"]
    _notify(owner, 1)
    notification = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    login_as(owner)
    response = client.post(f"/notifications/{notification.id}/read", data={"open": "1"},
                           base_url="http://localhost/portal")
    assert response.status_code == 302 and response.headers["Location"] == "/portal/cases"


def test_mark_read_only_own_notifications(client, world, login_as):
    owner, other = world.users["owner"], world.users["other_enterprise"]
    _notify(owner, 1)
    _notify(other, 1)
    mine = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == other.id))
    login_as(owner)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.get(f"/notifications/{mine.id}/read").status_code == 405
    response = client.post(f"/notifications/{mine.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/cases"
    db.session.expire_all()
    assert mine.read_at is not None and theirs.read_at is None
    _notify(owner, 2)
    client.post("/notifications/read-all")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.read_at.is_(None))) == 1       # only the other user's one is left unread


def test_unread_filter(client, world, login_as):
    owner = world.users["owner"]
    _notify(owner, 2)
    first = db.session.scalar(select(Notification).order_by(Notification.id))
    login_as(owner)
    client.post(f"/notifications/{first.id}/read")
    page = client.get("/notifications?unread=1").text
    assert "通知 1" in page and "通知 0" not in page


def test_preferences_form(client, world, login_as):
    owner = world.users["owner"]
    login_as(owner)
    page = client.get("/notifications/settings").text
    assert "13800000000" in page and "未登记" in page        # mobile shown, no e-mail yet
    response = client.post("/notifications/settings", data={"notify_email": "y", "notify_sms": "y"})
    assert response.status_code == 422 and "未登记电子邮箱" in response.text
    # Both boxes unticked: a browser still posts the CSRF token (off in tests).
    response = client.post("/notifications/settings", data={"csrf_token": "-"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (owner.notify_email, owner.notify_sms) == (False, False)
    assert db.session.scalar(select(AuditEvent.comment).where(
        AuditEvent.action == "notify_settings")) == "短信: 关"   # e-mail was never on


def test_preferences_are_in_the_user_menu(client, world, login_as):
    login_as(world.users["agent"])
    assert 'href="/notifications/settings"' in client.get("/notifications").text
