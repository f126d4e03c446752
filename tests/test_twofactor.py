"""Two-factor login: staff enrol an authenticator before anything else and give a one-time code
after the password; recovery codes; enterprises when their center or the config requires it;
re-authentication for sensitive actions."""
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor
from proxy_service.identity.reauth import verify_reauth
from proxy_service.models import AuditEvent, RecoveryCode
from proxy_service.seed.demo import DEMO_TOTP_SECRET
from proxy_service.workflow import agreements as signing

from .factories import PASSWORD, TOTP_SECRET, ensure_seal, one_time_code, staff_code


def password_step(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def enrol_page_secret(html):
    return re.search(r'user-select-all">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


def enrolled(user, secret=TOTP_SECRET):
    twofactor.enrol_with_secret(user, secret)
    db.session.commit()
    return user


def shown_codes(html):
    return re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", html)


# --- enrolment ---------------------------------------------------------------------------------

def test_staff_without_an_authenticator_must_enrol_before_anything_else(client, world):
    response = password_step(client, "agent1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/enrol")
    assert "/login" in client.get("/inbox").headers["Location"]
    page = client.get("/login/enrol").text
    assert 'src="data:image/svg+xml' in page and 'name="code"' in page
    secret = enrol_page_secret(page)
    assert enrol_page_secret(client.get("/login/enrol").text) == secret   # a reload keeps it
    wrong = client.post("/login/enrol", data={"code": "000000"})
    assert wrong.status_code == 401 and "验证码不正确" in wrong.text
    done = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and "只显示这一次" in done.text
    assert len(set(shown_codes(done.text))) == 10
    assert client.get("/inbox").status_code == 200
    agent = world.users["agent"]
    db.session.refresh(agent)
    assert twofactor.enrolled(agent)


def test_the_qr_code_holds_the_otpauth_uri(client, world):
    password_step(client, "manager")
    page = client.get("/login/enrol").text
    secret = enrol_page_secret(page)
    uri = twofactor.provisioning_uri(world.users["manager"], secret)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert twofactor.qr_data_uri(uri) in page


def test_the_secret_is_stored_encrypted_and_never_in_the_session_cookie(app, client, world):
    password_step(client, "agent1")
    secret = enrol_page_secret(client.get("/login/enrol").text)
    agent = world.users["agent"]
    db.session.refresh(agent)
    assert agent.totp_secret and secret not in agent.totp_secret
    assert twofactor.secret_of(agent) == secret
    cookie = client.get_cookie("session").value
    contents = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in repr(contents)


def test_recovery_codes_are_stored_hashed(client, world):
    password_step(client, "agent1")
    secret = enrol_page_secret(client.get("/login/enrol").text)
    codes = shown_codes(client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}).text)
    hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10
    assert not any(code.replace("-", "") in stored for code in codes for stored in hashes)


# --- the code step -----------------------------------------------------------------------------

def test_enrolled_staff_give_the_code_on_the_page_after_the_password(client, world):
    enrolled(world.users["agent"])
    response = password_step(client, "agent1")
    assert response.headers["Location"].endswith("/login/code")
    page = client.get("/login/code").text
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 401 and "/login" in client.get("/inbox").headers["Location"]
    ok = client.post("/login/code", data={"code": one_time_code(world.users["agent"])})
    assert ok.status_code == 302 and client.get("/inbox").status_code == 200


def test_the_code_step_keeps_the_next_page(client, world):
    enrolled(world.users["manager"])
    client.post("/login?next=/admin/users", data={"username": "manager", "password": PASSWORD})
    response = client.post("/login/code", data={"code": one_time_code(world.users["manager"])})
    assert response.headers["Location"] == "/admin/users"


def test_a_code_is_good_only_once(client, world):
    agent = enrolled(world.users["agent"])
    code = one_time_code(agent)
    password_step(client, "agent1")
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    password_step(client, "agent1")
    assert client.post("/login/code", data={"code": code}).status_code == 401


def test_codes_follow_the_app_clock_with_one_step_of_drift(client, world, frozen_clock):
    frozen_clock(2025, 6, 2, 9)
    agent = enrolled(world.users["agent"])
    earlier = pyotp.TOTP(TOTP_SECRET).at(clock.now() - timedelta(seconds=30))
    much_earlier = pyotp.TOTP(TOTP_SECRET).at(clock.now() - timedelta(minutes=5))
    password_step(client, "agent1")
    assert client.post("/login/code", data={"code": much_earlier}).status_code == 401
    assert client.post("/login/code", data={"code": earlier}).status_code == 302
    assert agent.totp_last_step is not None


def test_the_code_step_expires_after_five_minutes(client, world, frozen_clock):
    frozen_clock(2025, 6, 2, 9)
    agent = enrolled(world.users["agent"])
    password_step(client, "agent1")
    clock.freeze(clock.now() + timedelta(minutes=6))
    response = client.post("/login/code", data={"code": one_time_code(agent)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "/login" in client.get("/inbox").headers["Location"]


def test_a_recovery_code_replaces_the_code_once(client, world):
    password_step(client, "agent1")
    secret = enrol_page_secret(client.get("/login/enrol").text)
    codes = shown_codes(client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}).text)
    client.post("/logout")
    password_step(client, "agent1")
    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    client.post("/logout")
    password_step(client, "agent1")
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401
    assert db.session.scalar(select(func.count()).where(RecoveryCode.used_at.is_not(None))) == 1


# --- enterprises -------------------------------------------------------------------------------

def test_enterprises_log_in_with_the_password_alone_by_default(client, world):
    assert password_step(client, "ent1").headers["Location"] == "/"


def test_a_manager_can_require_the_code_for_the_centers_enterprises(client, world, login_as):
    login_as(world.users["manager"])
    assert "要求本中心企业用户" in client.get("/manage/security").text
    response = client.post("/manage/security", data={"require_enterprise_2fa": "y"})
    assert response.status_code == 302 and world.centers[0].require_enterprise_2fa
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "center_2fa_policy"))
    assert event.actor_id == world.users["manager"].id and event.comment == "on"
    client.post("/logout")
    assert password_step(client, "ent1").headers["Location"].endswith("/login/enrol")


def test_a_policy_saved_by_another_manager_meanwhile_is_not_overwritten(client, world, login_as):
    center = world.centers[0]
    login_as(world.users["manager"])
    seen = re.search(r'name="version"[^>]*value="(\d+)"', client.get("/manage/security").text).group(1)
    center.require_enterprise_2fa = True   # the other manager switched it on first
    db.session.commit()
    response = client.post("/manage/security", data={"version": seen})   # "off", from the old page
    assert response.status_code == 409 and "该记录在您编辑期间已被他人修改" in response.text
    assert 'id="require_enterprise_2fa"' in response.text and "checked" not in response.text
    db.session.refresh(center)
    assert center.require_enterprise_2fa and center.version == int(seen) + 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "center_2fa_policy")) == 0
    forged = client.post("/manage/security", data={"version": "1; DROP"})
    assert forged.status_code == 422 and "表单已失效" in forged.text
    again = client.post("/manage/security", data={"version": str(center.version)})
    assert again.status_code == 302
    db.session.refresh(center)
    assert not center.require_enterprise_2fa and center.version == int(seen) + 2


def test_only_managers_set_the_center_policy(client, world, login_as):
    login_as(world.users["agent"])
    assert client.post("/manage/security", data={"require_enterprise_2fa": "y"}).status_code == 403
    assert not world.centers[0].require_enterprise_2fa


def test_the_config_can_require_the_code_for_every_enterprise(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_ENTERPRISE_2FA", True)
    assert password_step(client, "ent1").headers["Location"].endswith("/login/enrol")


# --- re-authentication -------------------------------------------------------------------------

def test_verify_reauth_asks_staff_for_password_and_code(world):
    agent = enrolled(world.users["agent"])
    assert not verify_reauth(agent, PASSWORD, None)
    assert not verify_reauth(agent, PASSWORD, "000000")
    assert not verify_reauth(agent, "wrong", one_time_code(agent))
    assert verify_reauth(agent, PASSWORD, one_time_code(agent))


def test_verify_reauth_asks_enterprises_for_the_password(world):
    owner = world.users["owner"]
    assert verify_reauth(owner, PASSWORD, "")
    assert not verify_reauth(owner, "wrong", "")


def test_failed_reauthentication_counts_toward_the_lockout(world):
    agent = enrolled(world.users["agent"])
    for _ in range(5):
        assert not verify_reauth(agent, PASSWORD, "000000")
    assert not verify_reauth(agent, PASSWORD, one_time_code(agent))   # locked now


def test_staff_change_the_password_with_the_code(client, world, login_as):
    agent = world.users["agent"]
    login_as(agent)
    data = {"current": PASSWORD, "new": "new-pass-4567", "confirm": "new-pass-4567"}
    assert 'name="code"' in client.get("/password").text
    refused = client.post("/password", data=data)
    assert refused.status_code == 200 and "动态验证码不正确" in refused.text
    assert client.post("/password", data={**data, "code": one_time_code(agent)}).status_code == 302
    db.session.refresh(agent)
    assert agent.check_password("new-pass-4567")


def test_enterprise_password_page_has_no_code_field(client, world, login_as):
    login_as(world.users["owner"])
    assert 'name="code"' not in client.get("/password").text


def test_new_recovery_codes_need_password_and_code_and_void_the_old(client, world):
    password_step(client, "agent1")
    secret = enrol_page_secret(client.get("/login/enrol").text)
    old = shown_codes(client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()}).text)
    assert "剩余可用恢复码：10" in client.get("/account/security").text
    refused = client.post("/account/recovery-codes", data={"password": PASSWORD, "code": "000000"},
                          follow_redirects=True)
    assert "不正确" in refused.text
    agent = world.users["agent"]
    fresh = client.post("/account/recovery-codes",
                        data={"password": PASSWORD, "code": one_time_code(agent, secret)})
    new = shown_codes(fresh.text)
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    password_step(client, "agent1")
    assert client.post("/login/code", data={"code": old[0]}).status_code == 401
    assert client.post("/login/code", data={"code": new[0]}).status_code == 302


# --- managers reset a lost authenticator -------------------------------------------------------

def test_a_manager_resets_a_colleagues_authenticator(app, client, world, login_as):
    agent = world.users["agent"]
    login_as(agent)
    agent_cookie = client.get_cookie("session").value
    login_as(world.users["manager"])
    assert client.post(f"/admin/users/{agent.id}/reset-2fa").status_code == 302
    db.session.refresh(agent)
    assert not twofactor.enrolled(agent) and agent.totp_secret is None
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == agent.id,
                                                            AuditEvent.object_type == "user")) \
        == "user_2fa_reset"
    stale = app.test_client()
    stale.set_cookie("session", agent_cookie)
    assert "/login" in stale.get("/inbox").headers["Location"]
    client.post("/logout")
    assert password_step(client, "agent1").headers["Location"].endswith("/login/enrol")


@pytest.mark.parametrize("who", ["other_manager", "agent"])
def test_others_cannot_reset_an_authenticator(client, world, login_as, who):
    target = enrolled(world.users["other_agent"])
    login_as(world.users[who])
    assert client.post(f"/admin/users/{target.id}/reset-2fa").status_code in (403, 404)
    db.session.refresh(target)
    assert twofactor.enrolled(target)


def test_demo_staff_are_enrolled_with_the_published_secret(app, client, demo):
    assert DEMO_TOTP_SECRET == "PROXYSERVICEDEMOPROXYSERVICEDEMO"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert DEMO_TOTP_SECRET in result.output
    response = client.post("/login", data={"username": "agent1", "password": "demo1234"})
    assert response.headers["Location"].endswith("/login/code")
    code = pyotp.TOTP(DEMO_TOTP_SECRET).at(clock.now())
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/inbox").status_code == 200


def test_staff_sign_an_agreement_with_password_and_code(client, world, login_as):
    case = world.case(signed=False)
    agreement = signing.open_agreements(case)[0]
    ensure_seal(case.center)
    signing.sign(agreement, world.users["owner"], signer_name="张三", signer_title="法定代表人",
                 method="typed", ip_address="127.0.0.1", user_agent="pytest")
    db.session.commit()
    login_as(world.users["manager"])
    url = f"/agreements/{agreement.id}/sign"
    assert 'name="code"' in client.get(url).text
    data = {"signer_name": "王经理", "signer_title": "主任", "method": "typed", "confirm_read": "y",
            "password": PASSWORD}
    assert client.post(url, data=data).status_code == 422
    assert client.post(url, data={**data, "code": "000000"}).status_code == 422
    assert len(agreement.signatures) == 1
    assert client.post(url, data={**data, "code": staff_code()}).status_code == 302
    assert len(agreement.signatures) == 2
