"""Managers keep the staff accounts of their own center."""
import pytest
from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, Role, User

from . import factories


def user_data(**changes):
    data = {"username": "agent9", "name": "周代办", "phone": "0354-7654321", "email": "zhou@example.cn",
            "role": "agent", "password": "initial-pass"}
    data.update(changes)
    return data


@pytest.mark.parametrize("who, status", [("owner", 403), ("agent", 403), ("manager", 200)])
def test_user_pages_are_for_managers(client, world, login_as, who, status):
    login_as(world.users[who])
    for url in ("/admin/users", "/admin/users/new"):
        assert client.get(url).status_code == status, url
    other = world.users["other_agent"]
    assert client.post(f"/admin/users/{other.id}/deactivate").status_code == (302 if status == 200 else 403)


def test_anonymous_users_are_sent_to_login(client, world):
    for url in ("/admin/users", "/admin/users/new"):
        assert "/login" in client.get(url).headers["Location"], url


def test_list_shows_the_centers_staff_only(client, world, login_as):
    login_as(world.users["manager"])
    html = client.get("/admin/users").text
    for name in ("王经理", "刘代办", "陈代办"):
        assert name in html
    for name in ("马经理", "杨代办", "赵六"):   # other center, enterprise user
        assert name not in html
    assert "代办员" in html and "管理员" in html and "13800000000" in html


def test_creating_an_agent_in_the_own_center(client, world, login_as):
    login_as(world.users["manager"])
    assert client.post("/admin/users/new", data=user_data()).status_code == 302
    user = db.session.scalar(select(User).where(User.username == "agent9"))
    assert (user.role, user.center_id, user.active) == (Role.AGENT, world.centers[0].id, True)
    assert user.check_password("initial-pass") and user.email == "zhou@example.cn"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_create"))
    assert (event.object_type, event.object_id) == ("user", user.id)
    client.post("/logout")
    assert client.post("/login", data={"username": "agent9", "password": "initial-pass"}).status_code == 302


def test_creating_a_manager(client, world, login_as):
    login_as(world.users["manager"])
    client.post("/admin/users/new", data=user_data(username="boss2", role="manager"))
    assert db.session.scalar(select(User.role).where(User.username == "boss2")) is Role.MANAGER


@pytest.mark.parametrize("changes, message", [
    ({"username": "agent1"}, "该用户名已被使用"),
    ({"username": "ab"}, "用户名长度为 3–60 个字符"),
    ({"username": "周 代办"}, "用户名只能包含"),
    ({"password": "short"}, "密码至少 8 位"),
    ({"name": ""}, "请填写姓名"),
    ({"email": "not-an-email"}, "电子邮箱格式不正确"),
    ({"role": "enterprise"}, "所选项无效"),
])
def test_invalid_accounts_show_field_errors(client, world, login_as, changes, message):
    login_as(world.users["manager"])
    before = db.session.scalar(select(db.func.count(User.id)))
    response = client.post("/admin/users/new", data=user_data(**changes))
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(select(db.func.count(User.id))) == before


def test_an_empty_form_is_answered_with_field_errors(client, world, login_as):
    login_as(world.users["manager"])
    response = client.post("/admin/users/new", data={})
    assert response.status_code == 422 and "请填写用户名" in response.text and "请设置初始密码" in response.text


def test_deactivating_and_activating_a_colleague(client, world, login_as):
    agent = world.users["agent"]
    world.case()                                  # the agent still has an open case
    login_as(world.users["manager"])
    response = client.post(f"/admin/users/{agent.id}/deactivate", follow_redirects=True)
    assert "请尽快改派" in response.text
    db.session.refresh(agent)
    assert not agent.active
    client.post("/logout")
    login = client.post("/login", data={"username": "agent1", "password": factories.PASSWORD})
    assert login.status_code == 401
    login_as(world.users["manager"])
    client.post(f"/admin/users/{agent.id}/activate")
    db.session.refresh(agent)
    assert agent.active
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "user")).all()
    assert actions == ["user_deactivate", "user_activate"]


def test_a_manager_cannot_deactivate_themself(client, world, login_as):
    manager = world.users["manager"]
    login_as(manager)
    response = client.post(f"/admin/users/{manager.id}/deactivate", follow_redirects=True)
    assert "不能停用自己的账号" in response.text
    db.session.refresh(manager)
    assert manager.active


@pytest.mark.parametrize("who", ["other_manager", "other_center_agent", "owner"])
def test_users_outside_the_center_answer_404(client, world, login_as, who):
    target = world.users[who]
    login_as(world.users["manager"])
    for action in ("deactivate", "activate"):
        assert client.post(f"/admin/users/{target.id}/{action}").status_code == 404
    db.session.refresh(target)
    assert target.active


def test_user_list_query_count_does_not_grow(client, world, login_as, count_queries):
    def add(start, stop):
        for n in range(start, stop):
            factories.make_user(f"staff{n:02d}", Role.AGENT if n % 3 else Role.MANAGER,
                                center=world.centers[0])
        db.session.commit()
    add(3, 5)
    login_as(world.users["manager"])
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/admin/users").status_code == 200
    add(5, 50)
    db.session.expire_all()
    with count_queries() as many:
        assert "共 50 条" in client.get("/admin/users").text
    assert many.count == few.count


def test_activation_is_audited_from_to_and_not_repeated(client, world, login_as):
    agent = world.users["agent"]
    login_as(world.users["manager"])
    client.post(f"/admin/users/{agent.id}/deactivate")
    again = client.post(f"/admin/users/{agent.id}/deactivate", follow_redirects=True)
    assert "当前状态“账号已停用”下不能执行“停用账号”" in again.text
    client.post(f"/admin/users/{agent.id}/activate")
    moves = db.session.execute(select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status)
                               .where(AuditEvent.object_type == "user").order_by(AuditEvent.id)).all()
    assert moves == [("user_deactivate", "active", "inactive"), ("user_activate", "inactive", "active")]
