"""The enterprise profile: contact details, verification status, colleagues' own logins."""
import pytest
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Role, User, Verification

from .factories import make_enterprise


def text(response):
    return response.get_data(as_text=True)


def colleague(**changes):
    data = {"name": "周七", "username": "zhouqi", "password": "colleague-pass", "confirm":
            "colleague-pass", "phone": "13698765432", "email": "zhouqi@example.com"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def enterprise_actions(enterprise):
    return db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.enterprise_id == enterprise.id).order_by(AuditEvent.id)).all()


@pytest.fixture
def owner(world, login_as):
    return login_as(world.users["owner"])


def test_colleague_gets_an_own_login_in_the_same_enterprise(owner, world, client):
    response = owner.post("/enterprise/users/new", data=colleague())
    assert response.status_code == 302 and response.headers["Location"].endswith("/enterprise")
    user = db.session.scalar(select(User).where(User.username == "zhouqi"))
    assert (user.role, user.enterprise, user.name, user.phone, user.email) == (
        Role.ENTERPRISE, world.enterprises[0], "周七", "13698765432", "zhouqi@example.com")
    assert user.check_password("colleague-pass")
    assert enterprise_actions(world.enterprises[0]) == ["add_user"]
    assert "zhouqi" in text(owner.get("/enterprise"))
    client.post("/logout")
    assert client.post("/login", data={"username": "zhouqi",
                                       "password": "colleague-pass"}).status_code == 302
    assert world.project.name in text(client.get("/projects"))


@pytest.mark.parametrize("changes, message", [
    ({"username": "ent2"}, "该用户名已被使用"),
    ({"phone": "1369876543"}, "请输入正确的 11 位手机号码"),
    ({"password": "short", "confirm": "short"}, "密码至少 8 位"),
    ({"name": ""}, "请填写姓名"),
])
def test_invalid_colleague_is_refused(owner, changes, message):
    before = db.session.scalars(select(User.id)).all()
    response = owner.post("/enterprise/users/new", data=colleague(**changes))
    assert response.status_code == 422 and message in text(response)
    assert db.session.scalars(select(User.id)).all() == before


def test_profile_shows_details_users_and_verification(owner, world):
    page = text(owner.get("/enterprise"))
    enterprise = world.enterprises[0]
    for value in (enterprise.name, enterprise.uscc, "张三", "李四", "已核验", "ent1"):
        assert value in page
    assert "ent2" not in page   # another enterprise's user


def test_pending_verification_is_explained(client, world, login_as):
    enterprise = make_enterprise(world.centers[0], name="新注册企业", verified=False)
    user = User(username="newent", role=Role.ENTERPRISE, name="新用户", enterprise=enterprise)
    user.set_password("new-user-pass")
    db.session.add(user)
    db.session.commit()
    page = text(login_as(user, "new-user-pass").get("/enterprise"))
    assert "待核验" in page and "核验通过后，您的第一份代办申请才能受理" in page


def test_rejected_verification_shows_the_reason(owner, world):
    enterprise = world.enterprises[0]
    enterprise.verification, enterprise.verification_note = Verification.REJECTED, "执照模糊"
    db.session.commit()
    page = text(owner.get("/enterprise"))
    assert "核验未通过" in page and "执照模糊" in page


def test_edit_contact_details_but_not_name_or_uscc(owner, world):
    enterprise = world.enterprises[0]
    response = owner.post("/enterprise/edit", data={
        "version": enterprise.version, "contact_person": "孙八", "mobile": "13511112222",
        "email": "sunba@example.com", "address": "晋中市榆次区新地址",
        "name": "篡改的名称", "uscc": "91440300708461136T"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (enterprise.contact_person, enterprise.mobile, enterprise.email, enterprise.address) == (
        "孙八", "13511112222", "sunba@example.com", "晋中市榆次区新地址")
    assert (enterprise.name, enterprise.uscc) == ("山西绿碳环保科技有限公司", "914403001922038216")
    assert enterprise_actions(enterprise) == ["enterprise_edit"]


def test_edit_contact_refuses_a_bad_mobile(owner, world):
    enterprise = world.enterprises[0]
    response = owner.post("/enterprise/edit", data={
        "version": enterprise.version, "contact_person": "孙八", "mobile": "23511112222",
        "address": "晋中市"})
    assert response.status_code == 422 and "请输入正确的 11 位手机号码" in text(response)
    db.session.expire_all()
    assert enterprise.mobile == "13912345678"


def test_stale_contact_edit_is_refused(owner, world):
    enterprise = world.enterprises[0]
    seen = enterprise.version
    enterprise.contact_person = "别人改的联系人"
    db.session.commit()
    response = owner.post("/enterprise/edit", data={
        "version": seen, "contact_person": "我的联系人", "mobile": "13511112222", "address": "晋中市"})
    assert response.status_code == 409
    assert "别人改的联系人" in text(response)
    db.session.expire_all()
    assert enterprise.contact_person == "别人改的联系人"
    assert enterprise_actions(enterprise) == []
