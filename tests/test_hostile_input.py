"""Hostile input never gives a 500: Hypothesis posts random and malicious values to the main
forms. The answer is a re-rendered form (or 4xx) or a redirect; a refused post changes no row
(the row count of every table, the audit log included, is the same before and after)."""
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from proxy_service.extensions import db

from .factories import VALID_USCC
from .test_admin_catalog import item_data
from .test_projects import edit_form, project_form
from .test_registration import PDF

HOSTILE = [
    "", " ", "\x00", "\x1b[31m", "\r\n\t", "\u202e", "😀🔥" * 20, "' OR 1=1 --",
    "'; DROP TABLE users; --", "\" onmouseover=\"alert(1)", "<script>alert(1)</script>",
    "{{ 7*7 }}", "../../etc/passwd", "%00", "NaN", "Infinity", "-1", "0", "-0.0001",
    "1e308", "9" * 40, "-99999999999999999999", "2024-02-30", "2024-13-01", "0000-00-00",
    "31/12/2024", "9999-99-99T99:99", "数" * 5000, "x" * 100_000,
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=3),   # a field sent twice
)
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def changes(fields):
    return st.dictionaries(st.sampled_from(fields), VALUES, min_size=1, max_size=3)


def _row_counts():
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def check_post(client, url, data, **kwargs):
    db.session.expire_all()
    before = _row_counts()
    response = client.post(url, data=data, **kwargs)
    assert response.status_code < 500, (url, data)
    if response.status_code not in (302, 303):
        assert 400 <= response.status_code < 500 or "<form" in response.text, response.status_code
        db.session.expire_all()
        assert _row_counts() == before, (url, data)
    return response


@SETTINGS
@given(changes(["name", "uscc", "legal_representative", "address", "contact_person", "mobile",
                "email", "home_center_id", "username", "password", "confirm", "consent"]))
def test_register(app, world, data):
    client = app.test_client()
    form = {"name": "山西晋新智能装备有限公司", "uscc": VALID_USCC[2], "legal_representative": "张三",
            "address": "晋中市榆次区汇通路 8 号", "contact_person": "李四", "mobile": "13912345678",
            "email": "lisi@example.com", "home_center_id": str(world.centers[0].id),
            "consent": "y", "username": "jinxin", "password": "long-enough-1",
            "confirm": "long-enough-1", **data, "licence": (io.BytesIO(PDF), "licence.pdf")}
    check_post(client, "/register", form, content_type="multipart/form-data")


FIELDS = ["name", "code", "center_id", "industry_id", "total_investment", "land_area",
          "location", "content", "planned_start", "standard_land", "filing_type"]


@SETTINGS
@given(changes(FIELDS))
def test_project_new(client, world, login_as, data):
    login_as(world.users["owner"])
    check_post(client, "/projects/new", {**project_form(world), **data})


@SETTINGS
@given(changes(FIELDS + ["version"]))
def test_project_edit(client, world, login_as, data):
    login_as(world.users["owner"])
    db.session.refresh(world.project)
    form = {**edit_form(world, world.project), **data}
    check_post(client, f"/projects/{world.project.id}/edit", form)


@SETTINGS
@given(changes(["items", "contact_name", "contact_mobile", "note", "template_id"]))
def test_case_request(client, world, login_as, data):
    login_as(world.users["owner"])
    form = {"items": [str(i.id) for i in world.items], "contact_name": "李四",
            "contact_mobile": "13912345678", "note": "年内开工", **data}
    check_post(client, f"/cases/new?project_id={world.project.id}", form)


@SETTINGS
@given(changes(["action", "acceptance_no", "submitted_on", "approved_on", "permit_no",
                "by_commitment", "correction_request", "refusal_reason", "refusal_decision_no",
                "not_required_reason", "note", "note_visibility", "document_kind", "version"]))
def test_step_update(client, world, login_as, data):
    if not hasattr(world, "hostile_case"):
        world.hostile_case = world.case()
        db.session.commit()
    login_as(world.users["agent"])
    step = world.hostile_case.steps[0]
    db.session.refresh(step)
    form = {"version": str(step.version), "action": "", **data}
    check_post(client, f"/cases/{step.case_id}/steps/{step.id}", form,
               content_type="multipart/form-data")


@SETTINGS
@given(changes(["body", "internal"]))
def test_message(client, world, login_as, data):
    if not hasattr(world, "hostile_case"):
        world.hostile_case = world.case()
        db.session.commit()
    login_as(world.users["agent"])
    check_post(client, f"/cases/{world.hostile_case.id}/messages", {"body": "请补充材料", **data})


@SETTINGS
@given(changes(["name", "stage", "department", "mode", "statutory_limit", "statutory_unit",
                "promised_limit", "promised_unit", "materials", "sort", "prerequisites"]))
def test_admin_item(client, world, login_as, data):
    login_as(world.users["manager"])
    check_post(client, "/admin/items/new", {**item_data(), **data})
