"""Double submits: every create form carries a one-time token; posting the same token twice
(one after the other, or two requests at the same moment on SQLite and PostgreSQL) creates
one record, and the second post is sent where the first one went."""
import inspect
import io
import re
import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from proxy_service import admin, agreements, cases, enterprises, service_quality
from proxy_service.core import clock, submit_once
from proxy_service.core.extensions import db
from proxy_service.core.submit_once import SubmitOnceMixin
from proxy_service.models import Grade, Outcome, Project, SubmitToken
from proxy_service.workflow import quality as quality

from .factories import PDF, make_project
from .test_admin_catalog import item_data
from .test_admin_users import user_data
from .test_enterprise_users import colleague
from .test_evaluations import GOOD, complete
from .test_projects import project_form

TOKEN = re.compile(r'<input[^>]*name="submit_token"[^>]*value="([^"]+)"|'
                   r'<input[^>]*value="([^"]+)"[^>]*name="submit_token"')


@dataclass
class CreateForm:
    """One create form: who fills it in, where it is shown and posted, a valid post."""
    who: str | None
    page: str                      # the GET page that shows the form
    action: str                    # where the form posts
    data: dict
    multipart: bool = False


def _case(world):
    if not hasattr(world, "open_case"):
        world.open_case = world.case()
        db.session.commit()
    return world.open_case


def _completed_case(world):
    return complete(world.case(), world.users["agent"])


def _pdf():
    return (io.BytesIO(PDF), "材料.pdf")


def _forms(world):
    """Every create form of the application, keyed by endpoint (built lazily: each needs
    different objects)."""
    return {
        "enterprises.new_project": lambda: CreateForm(
            "owner", "/projects/new", "/projects/new", project_form(world)),
        "cases.new": lambda: _case_request(world),
        "enterprises.new_user": lambda: CreateForm(
            "owner", "/enterprise/users/new", "/enterprise/users/new", colleague()),
        "enterprises.register": lambda: CreateForm(
            None, "/register", "/register", _registration(world), multipart=True),
        "cases.post_message": lambda: CreateForm(
            "agent", f"/cases/{_case(world).id}", f"/cases/{_case(world).id}/messages",
            {"body": "请补充环评批复"}),
        "cases.upload": lambda: CreateForm(
            "owner", f"/cases/{_case(world).id}", f"/cases/{_case(world).id}/documents",
            {"kind": "material", "step_id": "", "file": _pdf}, multipart=True),
        "admin.new_item": lambda: CreateForm(
            "manager", "/admin/items/new", "/admin/items/new", item_data()),
        "admin.edit_template": lambda: CreateForm(
            "manager", "/admin/templates/new", "/admin/templates/new",
            {"name": "新模板", "items": [str(world.items[0].id)], "overall_limit": "30"}),
        "admin.new_user": lambda: CreateForm(
            "manager", "/admin/users/new", "/admin/users/new", user_data()),
        "service_quality.my_absences": lambda: CreateForm(
            "agent", "/quality/my-absences", "/quality/my-absences",
            {"start_on": "2031-06-16", "end_on": "2031-06-20", "reason": "培训"}),
        "service_quality.absences": lambda: CreateForm(
            "manager", "/quality/absences", "/quality/absences",
            {"agent_id": str(world.users["agent"].id), "start_on": "2031-06-16",
             "end_on": "2031-06-20", "substitute_id": str(world.users["other_agent"].id)}),
        "service_quality.evaluate": lambda: _evaluation(world),
        "service_quality.appeal": lambda: _appeal(world),
        "agreements.paper_upload": lambda: _paper_upload(world),
    }


def _case_request(world):
    project = make_project(world.enterprises[0], world.centers[0], "第二个项目")
    db.session.commit()
    url = f"/cases/new?project_id={project.id}"
    return CreateForm("owner", url, url, {
        "items": [str(i.id) for i in world.items], "contact_name": "李四",
        "contact_mobile": "13912345678", "note": "年内开工", "template_id": "0"})


def _registration(world):
    return {"name": "山西晋新智能装备有限公司", "uscc": "91140700MA0K1234X0",
            "legal_representative": "张三", "address": "晋中市榆次区汇通路 8 号",
            "contact_person": "李四", "mobile": "13912345678", "email": "lisi@example.com",
            "home_center_id": str(world.centers[0].id), "consent": "y", "username": "jinxin",
            "uscc_confirmed": "y",
            "password": "long-enough-1", "confirm": "long-enough-1", "licence": _pdf}


def _evaluation(world):
    case = _completed_case(world)
    url = f"/cases/{case.id}/evaluation"
    return CreateForm("owner", url, url, GOOD)


def _appeal(world):
    case = _completed_case(world)
    evaluation = quality.rate(case, world.users["owner"], grade=Grade.DISSATISFIED, efficiency=2,
                              attitude=2, expertise=2, comment="不满意")
    quality.respond(evaluation.rectification, world.users["manager"], response="已整改",
                    outcome=Outcome.RECTIFIED)
    db.session.commit()
    return CreateForm("owner", f"/cases/{case.id}", f"/cases/{case.id}/evaluation/appeal",
                      {"reason": "整改答复与事实不符"})


def _paper_upload(world):
    case = world.case(signed=False)
    db.session.commit()
    agreement = case.agreements[0]
    return CreateForm("owner", f"/agreements/{agreement.id}", f"/agreements/{agreement.id}/paper",
                      {"scan": lambda: (io.BytesIO(PDF), "signed.pdf")},
                      multipart=True)


ENDPOINTS = sorted(_forms(None))


def _row_counts():
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def token_of(html, action, page):
    """The submit token inside the form that posts to `action` on the page (a form without
    an action attribute posts to the page itself)."""
    for form in re.findall(r"<form\b.*?</form>", html, re.S):
        opening = form[:form.index(">")].replace("&amp;", "&")
        if 'method="post"' not in opening:
            continue
        posts_to = re.search(r'action="([^"]*)"', opening)
        if (posts_to.group(1) if posts_to else page) == action:
            found = TOKEN.search(form)
            assert found, f"the form posting to {action} has no submit token"
            return found.group(1) or found.group(2)
    raise AssertionError(f"no form posting to {action} on the page")


def _payload(spec, token):
    """A fresh copy of the post (files are re-opened for each post)."""
    data = {k: (v() if callable(v) else v) for k, v in spec.data.items()}
    data["submit_token"] = token
    return data


def _post(client, spec, token):
    kwargs = {"content_type": "multipart/form-data"} if spec.multipart else {}
    return client.post(spec.action, data=_payload(spec, token), **kwargs)


def _prepare(world, login_as, client, endpoint):
    spec = _forms(world)[endpoint]()
    if spec.who is not None:
        login_as(world.users[spec.who])
    page = client.get(spec.page)
    assert page.status_code == 200, page.status_code
    return spec, token_of(page.text, spec.action, spec.page)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_same_form_posted_twice_creates_one_record(client, world, login_as, endpoint):
    spec, token = _prepare(world, login_as, client, endpoint)
    first = _post(client, spec, token)
    assert first.status_code == 302, first.text[:500]
    db.session.expire_all()
    after_first = _row_counts()
    # A double click on "register" sends the second post before the first one's answer
    # (with its login cookie) has arrived: still anonymous.
    again = client if spec.who is not None else client.application.test_client()
    second = _post(again, spec, token)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    db.session.expire_all()
    assert _row_counts() == after_first          # nothing at all was written the second time
    shown = again.get(second.headers["Location"], follow_redirects=True).text
    assert "您的提交已收到，请勿重复提交。" in shown


@pytest.mark.parametrize("endpoint", ["enterprises.new_project", "admin.new_item"])
def test_a_fresh_form_creates_another_record(client, world, login_as, endpoint):
    spec, token = _prepare(world, login_as, client, endpoint)
    _post(client, spec, token)
    again = token_of(client.get(spec.page).text, spec.action, spec.page)
    assert again != token
    before = _row_counts()
    assert _post(client, spec, again).status_code == 302
    db.session.expire_all()
    changed = {name for name, count in _row_counts().items() if count != before[name]}
    assert changed >= {"submit_tokens", "audit_events"}


def test_a_refused_first_post_leaves_the_token_free(client, world, login_as):
    spec, token = _prepare(world, login_as, client, "enterprises.new_project")
    bad = client.post(spec.action, data={**project_form(world, total_investment="-1"),
                                          "submit_token": token})
    assert bad.status_code == 422 and f'value="{token}"' in bad.text   # the same form again
    assert db.session.scalar(select(func.count(SubmitToken.id))) == 0
    assert _post(client, spec, token).status_code == 302
    assert db.session.scalar(select(func.count(SubmitToken.id))) == 1


def test_a_post_without_a_token_is_still_processed(client, world, login_as):
    login_as(world.users["owner"])
    for _ in range(2):
        assert client.post("/projects/new", data=project_form(world)).status_code == 302
    assert db.session.scalar(select(func.count(Project.id)).where(
        Project.enterprise_id == world.enterprises[0].id)) == 3


@pytest.mark.parametrize("token", ["short", "x" * 65, "<script>alert(1)</script>" * 2])
def test_a_malformed_token_is_a_form_error(client, world, login_as, token):
    login_as(world.users["owner"])
    response = client.post("/projects/new", data={**project_form(world), "submit_token": token})
    assert response.status_code == 422 and "表单已失效" in response.text


def test_another_users_token_does_not_reveal_where_it_went(client, world, login_as):
    spec, token = _prepare(world, login_as, client, "enterprises.new_project")
    _post(client, spec, token)
    login_as(world.users["other_enterprise"])
    response = client.post(spec.action, data={**project_form(world), "submit_token": token})
    assert response.status_code == 302 and "/projects/" not in response.headers["Location"]


def test_old_tokens_are_forgotten_when_a_new_one_is_claimed(client, world, login_as, app):
    old = SubmitToken(token="o" * 32, user_id=world.users["owner"].id, endpoint="x",
                      created_at=clock.now() - timedelta(days=app.config["SUBMIT_TOKEN_DAYS"] + 1))
    recent = SubmitToken(token="r" * 32, user_id=world.users["owner"].id, endpoint="x",
                         created_at=clock.now() - timedelta(days=1))
    db.session.add_all([old, recent])
    db.session.commit()
    spec, token = _prepare(world, login_as, client, "enterprises.new_project")
    _post(client, spec, token)
    assert set(db.session.scalars(select(SubmitToken.token))) == {"r" * 32, token}


# --- two posts at the same moment -------------------------------------------------------

def _twin_clients(app, client):
    """Two clients sharing the logged-in session cookie (one live session per account)."""
    twins = []
    for _ in range(2):
        twin = FlaskClient(app, app.response_class, use_cookies=True)
        cookie = client.get_cookie("session")
        if cookie is not None:
            twin.set_cookie("session", cookie.value)
        twins.append(twin)
    return twins


def _both_past_the_lookup(monkeypatch, parties=2):
    """Both requests look the token up (and find nothing) before either claims it."""
    barrier = threading.Barrier(parties, timeout=20)
    seen = threading.local()
    original = submit_once._find

    def find(token):
        found = original(token)
        if not getattr(seen, "waited", False):
            seen.waited = True
            barrier.wait()
        return found
    monkeypatch.setattr(submit_once, "_find", find)


@pytest.mark.parametrize("endpoint", ["enterprises.new_project", "cases.post_message",
                                      "cases.new", "admin.new_item", "enterprises.new_user"])
def test_two_simultaneous_posts_of_one_form_create_one_record(app, client, world, login_as,
                                                              monkeypatch, endpoint):
    spec, token = _prepare(world, login_as, client, endpoint)
    db.session.expire_all()
    before = _row_counts()
    _both_past_the_lookup(monkeypatch)
    responses = [None, None]

    def post(index, twin):
        responses[index] = _post(twin, spec, token)

    threads = [threading.Thread(target=post, args=(i, twin))
               for i, twin in enumerate(_twin_clients(app, client))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [r.status_code for r in responses] == [302, 302], responses
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    db.session.expire_all()
    after = _row_counts()
    assert after["submit_tokens"] == before["submit_tokens"] + 1
    assert after["audit_events"] == before["audit_events"] + 1   # one creation, recorded once
    created = {"enterprises.new_project": "projects", "cases.post_message": "messages",
               "cases.new": "cases", "admin.new_item": "approval_items",
               "enterprises.new_user": "users"}[endpoint]
    assert after[created] == before[created] + 1


def test_every_create_form_is_listed_here():
    """A form class with the mixin is a create form: its endpoint must be tested above."""
    modules = [admin.forms, agreements.forms, cases.forms, enterprises.forms,
               enterprises.project_forms, service_quality.forms]
    with_token = {name for module in modules for name, cls in inspect.getmembers(module,
                  inspect.isclass) if issubclass(cls, SubmitOnceMixin) and cls is not SubmitOnceMixin}
    assert with_token == {"CaseRequestForm", "MessageForm", "UploadForm", "RegistrationForm",
                          "ColleagueForm", "NewProjectForm", "ItemForm", "TemplateForm",
                          "UserForm", "EvaluationForm", "AppealForm", "AbsenceForm",
                          "PaperUploadForm"}


def test_a_twin_that_looked_before_the_first_committed_still_gets_the_first_page(
        client, world, login_as, monkeypatch):
    """The second of two simultaneous posts found no claimed token, then the first committed
    before the second's own checks ran (here: the new colleague's user name is now taken).
    It is still a repeat of the first, not a form with errors: the same page comes back."""
    spec, token = _prepare(world, login_as, client, "enterprises.new_user")
    first = _post(client, spec, token)
    assert first.status_code == 302
    original, looked = submit_once._find, []

    def find_as_before_the_first_committed(value):
        looked.append(value)
        return None if len(looked) == 1 else original(value)
    monkeypatch.setattr(submit_once, "_find", find_as_before_the_first_committed)
    twin = _post(client, spec, token)
    assert twin.status_code == 302 and twin.headers["Location"] == first.headers["Location"]
