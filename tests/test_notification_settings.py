"""Notification settings can be saved as shown: a channel with no address on file is shown
unticked and disabled, with a link to add the address; the default follows the address."""
from html.parser import HTMLParser

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Role, User
from proxy_service.notifications import inbox

from .factories import PASSWORD, make_user, one_time_code

SETTINGS = "/notifications/settings"
CONTACT = "/notifications/contact"


class _Checkboxes(HTMLParser):
    """The checkboxes of a page: {name: (checked, disabled)}, and every link's href."""

    def __init__(self, html):
        super().__init__()
        self.boxes, self.links = {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "checkbox":
            self.boxes[attrs["name"]] = ("checked" in attrs, "disabled" in attrs)
        elif tag == "a":
            self.links.append(attrs.get("href"))


def _save_as_shown(client, untick=()):
    """Press 保存 as a browser would: it posts the ticked boxes that are not disabled."""
    page = _Checkboxes(client.get(SETTINGS).text)
    data = {"csrf_token": "-"}
    data.update({name: "y" for name, (checked, disabled) in page.boxes.items()
                 if checked and not disabled and name not in untick})
    return client.post(SETTINGS, data=data)


def test_a_channel_without_an_address_is_unticked_disabled_and_links_to_adding_one(
        client, world, login_as):
    owner = world.users["owner"]                   # a mobile, no e-mail
    login_as(owner)
    page = _Checkboxes(client.get(SETTINGS).text)
    assert page.boxes == {"notify_email": (False, True), "notify_sms": (True, False)}
    assert CONTACT in page.links


def test_saving_without_changes_succeeds_and_sms_can_be_turned_off(client, world, login_as):
    owner = world.users["owner"]
    login_as(owner)
    assert _save_as_shown(client).status_code == 302
    response = _save_as_shown(client, untick={"notify_sms"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (owner.notify_email, owner.notify_sms) == (False, False)
    assert _Checkboxes(client.get(SETTINGS).text).boxes["notify_sms"] == (False, False)


def test_staff_without_an_address_save_as_shown_too(client, world, login_as):
    agent = world.users["agent"]
    agent.phone = ""
    db.session.commit()
    login_as(agent)
    page = _Checkboxes(client.get(SETTINGS).text)
    assert page.boxes == {"notify_email": (False, True), "notify_sms": (False, True)}
    assert _save_as_shown(client).status_code == 302


def test_a_forged_tick_for_a_channel_without_address_is_refused(client, world, login_as):
    login_as(world.users["owner"])
    response = client.post(SETTINGS, data={"notify_email": "y", "notify_sms": "y"})
    assert response.status_code == 422 and "未登记电子邮箱" in response.text


def test_the_default_follows_whether_an_address_exists(world):
    enterprise = world.enterprises[0]
    assert world.users["owner"].notify_email is False       # no e-mail on file
    with_mail = User(username="mail1", role=Role.AGENT, name="有邮箱", email="a@example.com",
                     password_hash="x", center=world.centers[0])
    staff_with_phone = make_user("agent9", Role.AGENT, center=world.centers[0])
    member = make_user("ent9", Role.ENTERPRISE, enterprise=enterprise)
    nobody = User(username="ent10", role=Role.ENTERPRISE, name="无号码", password_hash="x")
    db.session.add_all([with_mail, nobody])
    db.session.flush()
    assert (with_mail.notify_email, with_mail.notify_sms) == (True, False)
    assert (staff_with_phone.notify_email, staff_with_phone.notify_sms) == (False, False)
    assert (member.notify_email, member.notify_sms) == (False, True)
    assert (nobody.notify_email, nobody.notify_sms) == (False, False)


def test_adding_an_address_turns_its_channel_on_and_is_audited(client, world, login_as):
    owner = world.users["owner"]
    login_as(owner)
    response = client.post(CONTACT, data={"email": "li.si@", "phone": owner.phone,
                                          "password": PASSWORD})
    assert response.status_code == 422 and "电子邮箱" in response.text
    response = client.post(CONTACT, data={"email": " li.si@example.com ",
                                          "phone": owner.phone, "password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert owner.email == "li.si@example.com" and owner.notify_email is True
    assert _Checkboxes(client.get(SETTINGS).text).boxes["notify_email"] == (True, False)
    comment = db.session.scalar(select(AuditEvent.comment).where(
        AuditEvent.action == "contact_update"))
    assert comment == "电子邮箱：已登记" and "li.si" not in comment   # no address in the log
    client.post(CONTACT, data={"email": "", "phone": owner.phone, "password": PASSWORD})
    db.session.expire_all()
    assert owner.email == "" and owner.notify_email is False


def _contact_unchanged(user, email, phone):
    db.session.expire_all()
    return (user.email, user.phone) == (email, phone) and db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "contact_update")) is None


def test_a_contact_change_without_the_password_again_changes_nothing(client, world, login_as):
    """Whoever holds a borrowed session must not redirect the notifications (review 2 B7)."""
    owner = world.users["owner"]
    phone = owner.phone
    login_as(owner)
    wanted = {"email": "li.si@example.com", "phone": "13912345678"}
    response = client.post(CONTACT, data=wanted)
    assert response.status_code == 422 and "请输入登录密码" in response.text
    assert _contact_unchanged(owner, "", phone)
    assert 'name="password"' in client.get(CONTACT).text
    response = client.post(CONTACT, data={**wanted, "password": "wrong-password"})
    assert response.status_code == 422 and "登录密码不正确" in response.text
    assert _contact_unchanged(owner, "", phone)
    assert owner.failed_logins == 1             # counted like a failed login
    response = client.post(CONTACT, data={**wanted, "password": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert (owner.email, owner.phone) == ("li.si@example.com", "13912345678")


def test_an_agents_mobile_printed_on_agreements_needs_the_one_time_code_too(
        client, world, login_as):
    agent = world.users["agent"]
    email, phone = agent.email, agent.phone
    login_as(agent)
    wanted = {"email": "", "phone": "13912345678", "password": PASSWORD}
    response = client.post(CONTACT, data=wanted)
    assert response.status_code == 422 and "动态验证码不正确" in response.text
    assert _contact_unchanged(agent, email, phone)
    assert 'name="code"' in client.get(CONTACT).text
    response = client.post(CONTACT, data={**wanted, "code": one_time_code(agent)})
    assert response.status_code == 302
    db.session.expire_all()
    assert agent.phone == "13912345678"


def test_an_enterprise_user_without_own_mobile_texts_the_enterprise_number(world):
    owner = world.users["owner"]
    inbox.set_contact(owner, owner, email="", phone="")
    assert inbox.addresses(owner) == {"email": "", "sms": world.enterprises[0].mobile}
    assert owner.notify_sms is True               # still reachable: the channel stays


def test_migration_turns_off_ticked_channels_without_an_address(app, world):
    staff = world.users["agent"]
    staff.email = "liu@example.com"
    db.session.commit()
    db.session.close()
    downgrade(revision="f6c0de200006")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET notify_email = true, notify_sms = true"))
        conn.execute(text("UPDATE users SET phone = '' WHERE username = 'manager'"))
    upgrade()
    rows = {u.username: (u.notify_email, u.notify_sms) for u in db.session.scalars(select(User))}
    assert rows["agent1"] == (True, True)         # e-mail and mobile on file: kept
    assert rows["ent1"] == (False, True)          # no e-mail
    assert rows["manager"] == (False, False)      # neither


def test_no_demo_user_has_a_channel_ticked_without_its_address(demo):
    users = db.session.scalars(select(User)).all()
    assert users
    for user in users:
        reach = inbox.addresses(user)
        assert not user.notify_email or reach["email"], user.username
        assert not user.notify_sms or reach["sms"], user.username
