"""The API keeps its contract (/api/v1/openapi.json) whatever it is sent: Schemathesis, in-process
through the WSGI app, as each role with a token of every scope, over a seeded world (cases in
and out of reach, their steps).

For every operation the contract lists (so endpoints added later are covered without a change
here), valid requests (positive) and requests the contract forbids (negative):
- no server error;
- every answer is one the operation documents, in the documented media type and shape;
- a request the contract forbids is refused (4xx), one it allows is not refused as malformed.

Path ids are half the time those of the seeded cases, steps, projects, documents, agreements and
webhook endpoints and deliveries (reachable or not), otherwise generated; a request with If-Match half the time sends
the object's current ETag, so that writes succeed too. A public operation (POST /verify) is
sent no token. A role refused by design (staff on /projects and /profile, non-managers on
/reports/headline) gets the documented 403. An operation with no inputs (GET /profile) has no
request its contract forbids: its negative half has nothing to test. At most 20 examples per operation, mode and role, derandomized, no
deadline. One test per operation and role (the enterprise user "owner", an agent, a manager),
so that pytest-xdist spreads them over its workers; each has a fresh world and database."""
import functools
import io

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.datastructures import FileStorage

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db
from proxy_service.workflow import webhooks
from proxy_service.workflow.documents import store_document

from .api_helpers import bearer, make_token
from .factories import PDF, make_case

ROLES = ("owner", "agent", "manager")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection, positive_data_acceptance]
EXAMPLES = 20
# Schemathesis's defaults, and for writes the refusals of rules no schema can state: a step
# move the step does not allow now or a date that cannot be true (422), a stale If-Match
# (412), a case not in progress (409). Each is a problem+json the operation documents.
WRITE_REFUSALS = ["2xx", "401", "403", "404", "409", "412", "422", "429"]
# A read whose parameters are each valid yet together not: a period that ends before it starts
# or is longer than two years (422, documented), a rule across two fields no schema can state.
CROSS_FIELD_REFUSALS = {"/api/v1/reports/headline": ["2xx", "401", "403", "422", "429"]}
CONFIG = SchemathesisConfig.from_dict({"operations": [
    *({"include-method": method, "checks": {
        "positive_data_acceptance": {"expected-statuses": WRITE_REFUSALS}}}
      for method in ("POST", "PUT", "PATCH", "DELETE")),
    *({"include-name": f"GET {path}", "checks": {
        "positive_data_acceptance": {"expected-statuses": statuses}}}
      for path, statuses in CROSS_FIELD_REFUSALS.items())]})
HOOK = {"url": "https://hooks.example.com/proxy-service", "events": ["case.submitted"]}


@functools.cache
def operations(app):
    """The contract's operations by label, read once per app (loading the contract and
    building its operations took a good part of each test)."""
    contract = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    return {operation.label: operation
            for operation in (result.ok() for result in contract.get_all_operations())}


# Read from the contract when the tests are collected: one test per operation and role.
LABELS = sorted(operations(create_app(TestingConfig)))


@pytest.fixture
def targets(world):
    """Path ids of the seeded world, one dict per request: the steps of a case in progress
    (every role's; with a document and its sealed agreement) and of a submitted one of another
    enterprise (the manager's only); the webhook endpoints of the enterprise and of the center,
    each with a queued test delivery (queued only: nothing is sent, no network)."""
    running = world.case()
    waiting = make_case(world.other_project, world.users["other_enterprise"], world.items)
    document = store_document(FileStorage(io.BytesIO(PDF), filename="a.pdf"), kind="material",
                              uploader=world.users["owner"], case=running)
    found = [{"case_id": case.id, "step_id": step.id, "project_id": case.project_id}
             for case in (running, waiting) for step in case.steps]
    found += [{"case_id": running.id, "document_id": document.id, "agreement_id": agreement.id}
              for agreement in running.agreements]
    for owner in ("owner", "manager"):
        endpoint, _secret = webhooks.create_endpoint(world.users[owner], **HOOK)
        delivery = webhooks.send_test_event(endpoint, world.users[owner])
        found.append({"endpoint_id": endpoint.id, "delivery_id": delivery.id})
    db.session.commit()
    return found


def _requests(operation, mode, secret, targets):
    """Generated requests of `operation`, path ids half the time from the seeded world (not
    when breaking the contract and the path is all there is to break); with the token unless
    the operation is public (its contract asks for none)."""
    names = {parameter.name for parameter in operation.path_parameters}
    if mode is GenerationMode.NEGATIVE and _inputs(operation) <= names:
        targets = []
    public = operation.definition.raw.get("security") == []
    headers = None if public else {"Authorization": bearer(secret)["Authorization"]}

    def strategy(ids):
        fixed = {name: value for name, value in (ids or {}).items() if name in names}
        return operation.as_strategy(mode, path_parameters=fixed or None, headers=headers)
    return st.tuples(st.sampled_from([None, *targets]).flatmap(strategy), st.booleans())


def _inputs(operation):
    """The names of what a request carries that the contract constrains: parameters (not the
    token, which Schemathesis lists as a header) and "body"."""
    return {parameter.name for parameter in operation.iter_parameters()
            if "x-original-security-type" not in parameter.definition} \
        | ({"body"} if operation.body else set())


def _current_etag(case):
    """The ETag a GET of the same path answers now (None if it has none)."""
    path = case.formatted_path
    reading = case.operation.schema.app.test_client().get(
        path, headers={"Authorization": case.headers["Authorization"]})
    return reading.headers.get("ETag")


def test_the_contract_lists_the_operations():
    assert {"GET /api/v1/cases", "PATCH /api/v1/cases/{case_id}/steps/{step_id}"} <= set(LABELS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", LABELS)
def test_every_operation_keeps_the_contract_for_every_role(app, label, role, world, targets):
    secret = make_token(world.users[role])
    operation = operations(app)[label]
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(_requests(operation, mode, secret, targets))
        def call(generated):
            case, fresh = generated
            if fresh and "If-Match" in (case.headers or {}):
                case.headers["If-Match"] = _current_etag(case) or case.headers["If-Match"]
            case.call_and_validate(checks=CHECKS)
        try:
            call()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE or _inputs(operation):
                raise   # only an operation with no inputs has no forbidden request to make
