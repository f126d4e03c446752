"""What the contract says is what the server accepts: unknown fields and query parameters,
a string for a number or a boolean are refused with a problem naming the field, in the
caller's language (Accept-Language; Chinese by default). The contract is served as OpenAPI
3.1, every object closed (additionalProperties: false)."""
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from proxy_service.api import fields
from proxy_service.api.base import RESOURCE_TAGS, resource_tag
from proxy_service.api.schemas import StepUpdate, StrictSchema
from proxy_service.calendar.deadlines import ROUND_DATES
from proxy_service.workflow.steps import STEP_FIELDS

from .api_helpers import assert_problem, bearer, make_token


@pytest.fixture
def patch_step(client, world):
    case = world.case()
    secret = make_token(world.users["agent"])
    step = case.steps[0]

    def patch(body, **headers):
        return client.patch(f"/api/v1/cases/{case.id}/steps/{step.id}", json=body,
                            headers=bearer(secret, **{"If-Match": f'"{step.version}"'}, **headers))
    patch.secret = secret
    return patch


@pytest.mark.parametrize("body, field", [
    ({"action": "start", "colour": "red"}, "colour"),
    ({"by_commitment": "true"}, "by_commitment"),
    ({"by_commitment": 1}, "by_commitment"),
    ({"submitted_on": 20260302}, "submitted_on"),
    ({"action": "fly"}, "action"),
    ({"permit_no": "x" * 81}, "permit_no"),
    ({"note": None}, "note"),
])
def test_a_body_outside_the_contract_is_422_naming_the_field(patch_step, body, field):
    problem = assert_problem(patch_step(body), 422)
    assert list(problem["errors"]) == [field]


def test_a_body_that_is_no_json_object_is_refused(patch_step, client):
    assert_problem(patch_step(["start"]), 422)


@pytest.mark.parametrize("query, parameter", [
    ("colour=red", "colour"), ("limit=ten", "limit"), ("limit=1.0", "limit"),
    ("limit=0", "limit"), ("limit=101", "limit"), ("status=open", "status"),
    ("updated_since=2026-03-02", "updated_since"),
])
def test_a_query_outside_the_contract_is_422_naming_the_parameter(client, world, query, parameter):
    secret = make_token(world.users["manager"])
    problem = assert_problem(client.get(f"/api/v1/cases?{query}", headers=bearer(secret)), 422)
    assert list(problem["errors"]) == [parameter]


def test_problems_speak_chinese_by_default_and_english_when_asked(patch_step):
    chinese = assert_problem(patch_step({"colour": "red"}), 422)
    assert chinese["title"] == "提交的内容有误" and chinese["errors"]["colour"] == ["不允许的字段。"]
    english = assert_problem(patch_step({"colour": "red"}, **{"Accept-Language": "en"}), 422)
    assert english["title"] == "The submission is not valid" and english["errors"]["colour"] == ["Unknown field."]
    boolean = assert_problem(patch_step({"by_commitment": "true"}, **{"Accept-Language": "en"}),
                             422)
    assert boolean["errors"]["by_commitment"] == ["Must be a JSON boolean: true or false."]


def test_the_language_cookie_of_the_pages_is_not_read(client, world):
    client.set_cookie("locale", "en")
    problem = assert_problem(client.get("/api/v1/cases"), 401)
    assert problem["title"] == "未认证"


class Sample(StrictSchema):
    count = fields.Integer()
    flag = fields.Boolean()
    amount = fields.Amount()


@pytest.mark.parametrize("data", [{"count": "1"}, {"count": 1.5}, {"count": True},
                                  {"flag": "true"}, {"flag": 0}, {"amount": 12.5},
                                  {"amount": "12.34567"}, {"amount": "1e3"}, {"other": 1}])
def test_strict_fields_refuse_what_json_does_not_say(app, data):
    with app.test_request_context(), pytest.raises(ValidationError):
        Sample().load(data)


def test_strict_fields_take_json_values_and_amounts_stay_exact(app):
    with app.test_request_context():
        loaded = Sample().load({"count": 3, "flag": False, "amount": "12000.5"})
        assert loaded == {"count": 3, "flag": False, "amount": Decimal("12000.5")}
        assert Sample().dump({"amount": Decimal("12000.5000")})["amount"] == "12000.5"


def test_the_contract_is_openapi_3_1_and_closed(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}",
            "/api/v1/cases/{case_id}/steps/{step_id}"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert all(schema.get("additionalProperties") is False for schema in schemas.values())
    patch = spec["paths"]["/api/v1/cases/{case_id}/steps/{step_id}"]["patch"]
    assert patch["security"] == [{"token": ["steps:write"]}]
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    # Each problem an operation can answer is listed, in its media type; no catch-all.
    assert sorted(patch["responses"]) == ["200", "400", "401", "403", "404", "409", "412", "422",
                                          "428", "429"]
    assert sorted(spec["paths"]["/api/v1/cases"]["get"]["responses"]) == [
        "200", "400", "401", "403", "422", "429"]
    problem = spec["components"]["responses"]["PROBLEM_412"]
    assert list(problem["content"]) == ["application/problem+json"]


def test_the_reference_groups_operations_by_resource_in_a_fixed_order(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    sections = [tag["name"] for tag in spec["tags"]]
    assert sections == [name for name, _description, _rule in RESOURCE_TAGS]
    assert all(tag["description"] for tag in spec["tags"])

    def section(path, method="get"):
        (tag,) = spec["paths"][f"/api/v1{path}"][method]["tags"]
        return tag
    assert section("/cases") == section("/cases/{case_id}") == "案件"
    assert section("/cases/{case_id}/steps/{step_id}", "patch") == "事项"
    assert section("/cases/{case_id}/documents", "post") == "材料"
    assert section("/cases/{case_id}/agreements") == section("/agreements/{agreement_id}/pdf")
    assert section("/webhooks/{endpoint_id}/deliveries/{delivery_id}/again", "post") == "事件推送"


def test_a_route_outside_every_reference_section_is_refused_when_declared():
    assert resource_tag("/cases/<int:case_id>/messages") == "留言"
    with pytest.raises(LookupError, match="RESOURCE_TAGS"):
        resource_tag("/invoices")


def test_a_path_or_method_the_api_does_not_have_is_a_problem_too(client, world):
    secret = make_token(world.users["manager"])
    missing = client.get("/api/v1/nothing-here", headers=bearer(secret))
    assert_problem(missing, 404)
    not_allowed = client.delete("/api/v1/cases", headers=bearer(secret))
    assert_problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]
    beyond = client.patch("/api/v1/cases/3585816423375/steps/1", headers=bearer(secret))
    assert_problem(beyond, 404)   # an id no key can hold: nothing there, under any method
    page = client.get("/nothing-here")   # the pages keep their HTML page
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_the_step_update_schema_offers_exactly_what_the_verb_records():
    # A field the schema accepted but update_step does not record would be a 500, not a 422.
    assert set(StepUpdate().fields) == {*STEP_FIELDS, *ROUND_DATES, "action", "note"}
