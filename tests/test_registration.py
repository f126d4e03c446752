"""Enterprise registration: one form for the enterprise and its first user, USCC rules, claims."""
import io

import pytest
from sqlalchemy import func, select

from proxy_service.core.extensions import db
from proxy_service.models import (
    AuditEvent,
    ClaimStatus,
    Document,
    Enterprise,
    EnterpriseClaim,
    Project,
    Role,
    User,
    Verification,
)

from .factories import PDF, VALID_USCC, make_center, make_enterprise, make_user

BAD_CHECK_USCC = "914403001922038217"


@pytest.fixture
def center(app):
    center = make_center()
    db.session.commit()
    return center


def form(center, **changes):
    data = {"name": "山西晋新智能装备有限公司", "uscc": VALID_USCC[0], "legal_representative": "张三",
            "address": "晋中市榆次区汇通路 8 号", "contact_person": "李四", "mobile": "13912345678",
            "email": "lisi@example.com", "home_center_id": str(center.id), "consent": "y",
            "username": "jinxin", "password": "long-enough-1", "confirm": "long-enough-1",
            "licence": (io.BytesIO(PDF), "licence.pdf")}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data):
    return client.post("/register", data=data, content_type="multipart/form-data")


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def text(response):
    return response.get_data(as_text=True)


def test_registration_creates_enterprise_user_and_licence_and_logs_in(client, center):
    response = post(client, form(center, uscc=" 9144 0300 7084 6113 6t "))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/enterprise")
    enterprise = db.session.scalars(select(Enterprise)).one()
    assert enterprise.uscc == VALID_USCC[1]   # spaces stripped, upper case
    assert enterprise.verification is Verification.PENDING
    assert not enterprise.uscc_check_failed
    assert enterprise.privacy_consent_at is not None
    user = db.session.scalars(select(User)).one()
    assert (user.enterprise_id, user.name, user.phone) == (enterprise.id, "李四", "13912345678")
    licence = db.session.scalars(select(Document)).one()
    assert (licence.kind, licence.enterprise_id, licence.content_type) == (
        "licence", enterprise.id, "application/pdf")
    assert db.session.scalars(select(AuditEvent.action)).all() == ["register"]
    page = text(client.get("/enterprise"))   # logged in as the new user
    assert "山西晋新智能装备有限公司" in page and "待核验" in page
    assert "核验通过后，您的第一份代办申请才能受理" in page
    assert f"/documents/{licence.id}" in page


def test_new_user_can_log_in_with_the_chosen_password(client, center):
    post(client, form(center))
    client.post("/logout")
    assert client.post("/login", data={"username": "jinxin",
                                       "password": "long-enough-1"}).status_code == 302


def test_logged_in_users_are_sent_home(client, center):
    post(client, form(center))
    assert client.get("/register").status_code == 302


@pytest.mark.parametrize("changes, field_error", [
    ({"uscc": "91440300192203821"}, "统一社会信用代码格式不正确"),
    ({"uscc": "91440300192203821I"}, "统一社会信用代码格式不正确"),
    ({"mobile": "12912345678"}, "请输入正确的 11 位手机号码"),
    ({"consent": None}, "请阅读并同意《个人信息处理说明》"),
    ({"licence": (io.BytesIO(b"<html><body>licence</body></html>"), "licence.pdf")},
     "只接受 PDF、JPG、PNG 或 OFD 文件"),
    ({"licence": None}, "请上传营业执照"),
    ({"password": "short1", "confirm": "short1"}, "密码至少 8 位"),
    ({"confirm": "something-else"}, "两次输入的密码不一致"),
    ({"email": "not-an-email"}, "请输入有效的电子邮箱地址"),
    ({"home_center_id": "999"}, "请选择所在园区/服务中心"),
])
def test_invalid_registration_shows_field_error_and_creates_nothing(client, center, changes,
                                                                    field_error):
    response = post(client, form(center, **changes))
    assert response.status_code == 422
    assert field_error in text(response)
    assert (count(Enterprise), count(User), count(Document), count(AuditEvent)) == (0, 0, 0, 0)


def test_taken_username_is_a_field_error(client, world):
    response = post(client, form(world.centers[0], username="ent1", uscc=VALID_USCC[2]))
    assert response.status_code == 422
    assert "该用户名已被使用" in text(response)
    assert count(Enterprise) == 2   # the world's two only


def test_bad_check_character_asks_for_confirmation(client, center):
    response = post(client, form(center, uscc=BAD_CHECK_USCC))
    assert response.status_code == 422
    page = text(response)
    assert "我确认统一社会信用代码无误" in page and "校验位" in page
    assert count(Enterprise) == 0


def test_confirmed_bad_check_character_is_saved_and_flagged(client, center):
    response = post(client, form(center, uscc=BAD_CHECK_USCC, uscc_confirmed="y"))
    assert response.status_code == 302
    enterprise = db.session.scalars(select(Enterprise)).one()
    assert enterprise.uscc == BAD_CHECK_USCC and enterprise.uscc_check_failed


def test_registered_uscc_becomes_a_claim_not_a_second_enterprise(client, center):
    existing = make_enterprise(center, name="原登记企业", uscc=VALID_USCC[0])
    db.session.commit()
    response = post(client, form(center, name="声称同一企业", uscc=VALID_USCC[0]))
    assert response.status_code == 302
    assert count(Enterprise) == 1
    user = db.session.scalar(select(User).where(User.username == "jinxin"))
    assert user.enterprise_id is None
    claim = db.session.scalars(select(EnterpriseClaim)).one()
    assert (claim.enterprise_id, claim.claimant_id, claim.claimed_name) == (
        existing.id, user.id, "声称同一企业")
    assert (claim.legal_representative, claim.contact_person, claim.mobile) == (
        "张三", "李四", "13912345678")
    assert claim.outcome is ClaimStatus.PENDING
    licence = db.session.get(Document, claim.licence_document_id)
    assert (licence.kind, licence.enterprise_id) == ("licence", existing.id)
    assert db.session.scalars(select(AuditEvent.action)).all() == ["claim"]
    page = text(client.get("/enterprise"))
    assert "认领申请" in page and "待处理" in page


def test_claimed_licence_is_not_shown_to_the_registered_enterprise(client, center, login_as):
    existing = make_enterprise(center, uscc=VALID_USCC[0])
    db.session.commit()
    post(client, form(center, uscc=VALID_USCC[0]))
    document = db.session.scalars(select(Document)).one()
    owner = make_user("owner", Role.ENTERPRISE, enterprise=existing)
    db.session.commit()
    page = text(login_as(owner).get("/enterprise"))
    assert f"/documents/{document.id}" not in page
    assert client.get(f"/documents/{document.id}").status_code == 404


def test_pending_claimant_sees_resolution_and_cannot_create_projects(client, center):
    make_enterprise(center, uscc=VALID_USCC[0])
    db.session.commit()
    post(client, form(center, uscc=VALID_USCC[0]))
    claim = db.session.scalars(select(EnterpriseClaim)).one()
    claim.outcome, claim.resolution_note = ClaimStatus.REJECTED, "营业执照与登记信息不符"
    db.session.commit()
    page = text(client.get("/enterprise"))
    assert "已驳回" in page and "营业执照与登记信息不符" in page
    for url in ("/projects/new", "/enterprise/edit", "/enterprise/users/new"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/enterprise")
        assert "处理通过后才能使用此功能" in text(client.get("/enterprise"))
    assert client.post("/projects/new", data={"name": "x"}).status_code == 302
    assert count(Project) == 0


def test_privacy_notice_says_what_why_how_long_and_who(client, app):
    page = text(client.get("/privacy"))
    for words in ("手机号码", "营业执照", "办理您委托的审批代办事项", "30 年", "代办员", "审批部门"):
        assert words in page
    assert "/privacy" in text(client.get("/register"))
