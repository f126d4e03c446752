"""Exports ask for the password again (and the one-time code, for staff): the managers'
CSV/XLSX lists and a case's dossier. A confirmation holds for REAUTH_MINUTES in that session."""
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from proxy_service.core import clock
from proxy_service.core.extensions import db

from .factories import PASSWORD, one_time_code

EXPORT = "/manage/export?list=cases&format=csv"


def _asks_to_confirm(response, back_to):
    """The answer is the way to the confirmation page, which will lead back to `back_to`."""
    location = urlsplit(response.headers.get("Location", ""))
    return response.status_code == 302 and location.path == "/confirm" and \
        parse_qs(location.query) == {"next": [back_to]}


def _dossier(case):
    return f"/cases/{case.id}/dossier.zip"


@pytest.fixture
def manager(world, login_as):
    login_as(world.users["manager"])
    return world.users["manager"]


def test_an_export_first_asks_for_the_password(client, world, manager):
    world.case()
    response = client.get(EXPORT)
    assert _asks_to_confirm(response, EXPORT)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "确认身份" in page.text
    assert 'name="password"' in page.text and 'name="code"' in page.text   # staff: the code too


def test_password_and_code_open_the_exports_and_the_page_links_back(client, world, manager):
    case = world.case()
    response = client.post(f"/confirm?next={EXPORT.replace('&', '%26')}",
                           data={"password": PASSWORD, "code": one_time_code(manager)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "身份已确认" in page.text and f'href="{EXPORT.replace("&", "&amp;")}"' in page.text
    export = client.get(EXPORT)
    assert export.status_code == 200 and case.number in export.get_data().decode("utf-8-sig")
    # Within the window the other lists and the dossier go ahead without asking again.
    assert client.get("/manage/export?list=workload&format=xlsx").status_code == 200
    assert client.get(_dossier(case)).status_code == 200


@pytest.mark.parametrize("wrong", [{"password": "not-the-password"}, {"code": "000000"},
                                   {"code": ""}])
def test_a_wrong_password_or_code_opens_nothing_and_counts_as_a_failure(client, world, manager,
                                                                        wrong):
    data = {"password": PASSWORD, "code": one_time_code(manager)} | wrong
    page = client.post("/confirm", data=data)
    assert page.status_code == 200 and "登录密码或动态验证码不正确" in page.text
    db.session.refresh(manager)
    assert manager.failed_logins == 1
    assert _asks_to_confirm(client.get(EXPORT), EXPORT)


def test_the_confirmation_runs_out(client, world, manager, confirm_identity, app):
    confirm_identity(manager)
    assert client.get(EXPORT).status_code == 200
    later = clock.now() + timedelta(minutes=app.config["REAUTH_MINUTES"], seconds=1)
    clock.freeze(later)
    try:
        assert _asks_to_confirm(client.get(EXPORT), EXPORT)
    finally:
        clock.freeze(None)


def test_a_new_login_does_not_inherit_the_confirmation(client, world, manager, confirm_identity,
                                                       login_as):
    confirm_identity(manager)
    login_as(manager)
    assert _asks_to_confirm(client.get(EXPORT), EXPORT)


def test_the_dossier_asks_too_but_only_those_who_may_export_it(client, world, login_as,
                                                               confirm_identity):
    case = world.case()
    login_as(world.users["agent"])
    assert _asks_to_confirm(client.get(_dossier(case)), _dossier(case))
    confirm_identity(world.users["agent"])
    assert client.get(_dossier(case)).status_code == 200
    # The permission is checked first: an outsider learns nothing from a redirect.
    login_as(world.users["other_agent"])
    assert client.get(_dossier(case)).status_code == 404
    login_as(world.users["owner"])
    assert client.get(_dossier(case)).status_code == 403


def test_enterprises_confirm_with_the_password_alone(client, world, login_as):
    login_as(world.users["owner"])
    page = client.get("/confirm")
    assert 'name="password"' in page.text and 'name="code"' not in page.text
    assert client.post("/confirm", data={"password": PASSWORD}).status_code == 302


def test_unknown_lists_are_404_before_any_question(client, world, manager):
    assert client.get("/manage/export?list=users&format=csv").status_code == 404
    assert client.get("/manage/export?list=cases&format=pdf").status_code == 404


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_the_link_back_never_leaves_the_site(client, world, manager, confirm_identity, target):
    confirm_identity(manager)
    page = client.get("/confirm", query_string={"next": target})
    links = re.findall(r'<a [^>]*href="([^"]*)"', page.text)
    assert not [link for link in links if "evil" in link]
    assert re.search(r'<a class="btn btn-primary" href="/">下载文件</a>', page.text)


def test_the_way_back_leads_to_the_page_the_export_was_asked_from(client, world, manager,
                                                                  login_as):
    dashboard = "/manage/dashboard?start=2026-03-01&end=2026-03-31"
    response = client.get(EXPORT, headers={"Referer": f"http://localhost{dashboard}"})
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"next": [EXPORT], "back": [dashboard]}
    confirmed = client.post(response.headers["Location"],
                            data={"password": PASSWORD, "code": one_time_code(manager)})
    page = client.get(confirmed.headers["Location"]).text
    assert f'href="{dashboard.replace("&", "&amp;")}">返回</a>' in page
    # Another site's address is no way back.
    login_as(manager)   # a new session, not confirmed
    response = client.get(EXPORT, headers={"Referer": "http://evil.example/manage/dashboard"})
    assert _asks_to_confirm(response, EXPORT)   # `next` alone
