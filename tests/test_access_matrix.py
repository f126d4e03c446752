"""Every object-addressed route, requested by someone who must not reach the object:
another enterprise, another center's staff, an agent not assigned to the case, and a
claimant (an enterprise login whose claim on a taken USCC waits, so it has no enterprise).
The answer is the one MATRIX states — 404 (the object is invisible) or 403 (the role may not
do this at all) — for GET and POST alike, and nothing changes. A route with a URL argument
that MATRIX does not list fails the suite (the routes are read from the app's url_map).

The JSON API (/api/v1) is reached with a token, not a login: API_MATRIX states the answers
there, to the same outsiders holding a token with every scope, and to a token without the
scope, an expired one and a revoked one."""
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import url_for
from werkzeug.datastructures import FileStorage

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    Absence,
    ApiToken,
    AuditEvent,
    CaseTemplate,
    EnterpriseClaim,
    Evaluation,
    Grade,
    IssuedNotice,
    Notification,
    Rectification,
    Role,
    Step,
)
from proxy_service.workflow import api_tokens, center_tokens, reports, webhooks
from proxy_service.workflow.documents import store_document

from . import factories
from .api_helpers import ALL_SCOPES, make_token
from .factories import PDF

OUTSIDERS = ("other_enterprise", "other_manager", "other_center_agent", "other_agent", "claimant")

# Who answers what, by role: 404 where the object is invisible to them, 403 where their role
# may not do this at all. "other_agent" is an agent of the first center not assigned to the case.
INVISIBLE = dict.fromkeys(OUTSIDERS, 404)
MANAGERS_ONLY = {"other_enterprise": 403, "claimant": 403, "other_center_agent": 403,
                 "other_agent": 403, "other_manager": 404}
ENTERPRISES_ONLY = {"other_enterprise": 404, "claimant": 404, "other_center_agent": 403,
                    "other_agent": 403, "other_manager": 403}
STAFF_ONLY = {"other_enterprise": 403, "claimant": 403, "other_center_agent": 404,
              "other_agent": 404, "other_manager": 404}

# Every route whose URL names an object (any URL argument), with the answer each outsider
# gets, for GET and POST alike. test_the_matrix_lists_every_object_route fails on a route
# missing here: a new route states who may not reach it.
MATRIX = {
    "admin.activate_user": MANAGERS_ONLY, "admin.claim": MANAGERS_ONLY,
    "admin.deactivate_user": MANAGERS_ONLY, "admin.edit_item": MANAGERS_ONLY,
    "admin.edit_template": MANAGERS_ONLY, "admin.enterprise": MANAGERS_ONLY,
    "admin.erase_person": MANAGERS_ONLY, "admin.export_person": MANAGERS_ONLY,
    "admin.person": MANAGERS_ONLY, "admin.retire_item": MANAGERS_ONLY,
    "admin.retire_template": MANAGERS_ONLY, "admin.unretire_item": MANAGERS_ONLY,
    "admin.unretire_template": MANAGERS_ONLY, "auth.reset_2fa": MANAGERS_ONLY,
    # One's own API tokens only: another user's is invisible to everyone.
    "auth.revoke_api_token": INVISIBLE,
    # A center's tokens: its managers alone see and revoke them.
    "auth.revoke_center_token": MANAGERS_ONLY,
    "agreements.add_items": INVISIBLE, "agreements.detail": INVISIBLE,
    "agreements.paper_confirm": INVISIBLE, "agreements.paper_reject": INVISIBLE,
    "agreements.paper_upload": INVISIBLE, "agreements.pdf": INVISIBLE,
    "agreements.sign": INVISIBLE,
    "cases.accept": INVISIBLE, "cases.assign": INVISIBLE, "cases.correct_notice": INVISIBLE,
    "cases.decline": INVISIBLE, "cases.detail": INVISIBLE, "cases.dossier": INVISIBLE,
    "cases.download": INVISIBLE, "cases.log": INVISIBLE, "cases.notice": INVISIBLE,
    "cases.post_message": INVISIBLE,
    "cases.resume": INVISIBLE, "cases.step": INVISIBLE, "cases.suspend": INVISIBLE,
    "cases.terminate": INVISIBLE, "cases.upload": INVISIBLE,
    # Only the case's enterprise withdraws: staff may see the case but not do this.
    "cases.withdraw": {**ENTERPRISES_ONLY, "other_manager": 403},
    "dashboard.report_version": MANAGERS_ONLY,
    "enterprises.edit_project": ENTERPRISES_ONLY, "enterprises.project": ENTERPRISES_ONLY,
    "notifications.read": INVISIBLE,
    "service_quality.appeal": INVISIBLE, "service_quality.evaluate": INVISIBLE,
    "service_quality.cancel_absence": STAFF_ONLY,
    "service_quality.rectification": MANAGERS_ONLY,
    "service_quality.set_substitute": MANAGERS_ONLY,
    # The first enterprise's webhook endpoint: its users' only (a manager has the center's).
    **dict.fromkeys(("webhooks.endpoint", "webhooks.update", "webhooks.rotate",
                     "webhooks.disable", "webhooks.enable", "webhooks.test",
                     "webhooks.send_again"), {**ENTERPRISES_ONLY, "other_manager": 404}),
}
# Routes with an argument but no object to guard.
NO_OBJECT = {"static", "verify.by_link"}   # verify.by_link: the public QR target

# The API's routes with an object, by endpoint and method: the scope a token needs there. Every
# outsider holding a token with every scope gets 404; a token without the scope 403 (for the
# case's own manager); an expired or revoked token 401.
API_MATRIX = {
    ("api.get_case", "GET"): "cases:read",
    ("api.get_step", "GET"): "cases:read",
    ("api.update_step", "PATCH"): "steps:write",
    ("api.list_documents", "GET"): "cases:read",
    ("api.upload_document", "POST"): "documents:write",
    ("api.download_document", "GET"): "cases:read",
    ("api.list_messages", "GET"): "cases:read",
    ("api.post_message", "POST"): "messages:write",
    ("api.list_agreements", "GET"): "cases:read",
    ("api.get_agreement", "GET"): "cases:read",
    ("api.agreement_pdf", "GET"): "cases:read",
    ("api.case_audit", "GET"): "cases:read",
    ("api.get_project", "GET"): "cases:read",
    **dict.fromkeys([("api.get_webhook", "GET"), ("api.update_webhook", "PATCH"),
                     ("api.rotate_webhook_secret", "POST"),
                     ("api.disable_webhook", "POST"), ("api.enable_webhook", "POST"),
                     ("api.test_webhook", "POST"),
                     ("api.list_webhook_deliveries", "GET"), ("api.send_webhook_again", "POST")],
                    "webhooks:manage"),
}
# A body each write would accept from the caller it belongs to: the outsiders' answer is then
# about reach, not about their input.
API_BODIES = {
    ("api.update_step", "PATCH"): lambda: {"json": {"action": "start"}},
    ("api.upload_document", "POST"): lambda: {"data": {"file": (io.BytesIO(PDF), "a.pdf"),
                                                       "kind": "other"}},
    ("api.post_message", "POST"): lambda: {"json": {"body": "x"}},
    ("api.update_webhook", "PATCH"): lambda: {"json": {"description": "x"}},
}
# The outsiders' answers where they are not 404 for all (INVISIBLE): as the route's page.
API_OUTSIDERS = {
    ("api.get_project", "GET"): ENTERPRISES_ONLY,   # as enterprises.project: staff 403
}


def _is_api(endpoint):
    return endpoint.startswith("api.")


def object_routes(app, api=False):
    """{endpoint: rule} of every route with a URL argument, except NO_OBJECT: of the pages,
    or (api) of the JSON API."""
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()
            if rule.arguments and rule.endpoint not in NO_OBJECT and _is_api(rule.endpoint) == api}


def test_the_matrix_lists_every_object_route(app):
    routes = object_routes(app)
    missing, gone = sorted(routes.keys() - MATRIX.keys()), sorted(MATRIX.keys() - routes.keys())
    assert not missing, f"say in MATRIX who may not reach {missing}"
    assert not gone, f"MATRIX names routes that no longer exist: {gone}"
    api = {(endpoint, method) for endpoint, rule in object_routes(app, api=True).items()
           for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert api == set(API_MATRIX), "say in API_MATRIX which scope each API route needs"


def _methods(rule):
    return sorted(rule.methods & {"GET", "POST"})


@pytest.fixture
def targets(world):
    """Objects of the first enterprise and the first center, keyed by URL argument."""
    world.users["claimant"] = factories.make_user("claimer", Role.ENTERPRISE, name="孙七")
    case = world.case()
    step = case.steps[0]
    document = store_document(_upload(), kind="material", uploader=world.users["owner"], case=case)
    licence = store_document(_upload(), kind="licence", uploader=world.users["owner"],
                             enterprise=world.enterprises[0])
    claim = EnterpriseClaim(enterprise=world.enterprises[0],
                            claimant=world.users["other_enterprise"],
                            claimed_name="x", legal_representative="x", contact_person="x",
                            mobile="13900000000")
    db.session.add(claim)
    absence, rectification = _quality_targets(world, case)
    db.session.commit()
    return {"absence_id": absence.id, "rectification_id": rectification.id, "case_id": case.id,
            "step_id": step.id, "document_id": document.id, "project_id": world.project.id,
            "enterprise_id": world.enterprises[0].id,
            "item_id": world.items[0].id, "template_id": world.items[0].id and _template_id(world),
            "user_id": world.users["agent"].id, "claim_id": claim.id, "licence": licence.id,
            # An enterprise user of the first center's enterprise: personal-data requests.
            "person_id": world.users["owner"].id,
            "notice_id": _notice_id(case), "notification_id": _notification_id(world),
            "token_id": _token_id(world.users["owner"]),
            "center_token_id": _center_token_id(world.users["manager"]),
            "agreement_id": case.agreements[0].id, "report_id": _report_id(world),
            **_webhook_targets(world)}


def _webhook_targets(world):
    endpoint, _secret = webhooks.create_endpoint(world.users["owner"], url="https://example.com/h",
                                                 events=["case.accepted"])
    delivery = webhooks.send_test_event(endpoint, world.users["owner"])
    delivery.status = "delivered"   # may be sent again
    db.session.commit()
    return {"endpoint_id": endpoint.id, "delivery_id": delivery.id}


def _token_id(user):
    """A token of the first enterprise's user (the settings page: its owner alone revokes it)."""
    make_token(user)
    return db.session.query(ApiToken.id).filter_by(user_id=user.id).one()[0]


def _center_token_id(manager):
    """A center token of the first center."""
    token, _secret = center_tokens.create_center_token(
        manager, name="省系统", scopes=["cases:read"], expires_on=clock.today() + timedelta(days=30))
    return token.id


def _report_id(world):
    """A stored monthly report of the first center (a closed month of its records: its
    manager on the staff since then)."""
    world.users["manager"].created_at = datetime(2020, 1, 5, 2, tzinfo=UTC)
    report = reports.issue(world.centers[0].id, date(2020, 1, 1), world.users["manager"],
                                  render=lambda version, issued_at: PDF)
    return report.id


def _notice_id(case):
    """The case's 一次性告知单, issued when it was accepted."""
    return db.session.query(IssuedNotice.id).filter_by(case_id=case.id).first()[0]


def _notification_id(world):
    """A notification of the first enterprise's user (the case's events made some)."""
    return db.session.query(Notification.id).filter_by(user_id=world.users["owner"].id).first()[0]


def _quality_targets(world, case):
    """An absence of the first center's agent and a rectification on the case (rows made
    directly: the rules that create them are tested in test_absences / test_rectifications)."""
    absence = Absence(center_id=case.center_id, agent=world.users["agent"],
                      start_on=date(2020, 1, 1), end_on=date(2099, 12, 31))
    evaluation = Evaluation(case=case, center_id=case.center_id, enterprise_id=case.enterprise_id,
                            author_id=world.users["owner"].id, grade=Grade.DISSATISFIED,
                            efficiency=2, attitude=2, expertise=2)
    rectification = Rectification(evaluation=evaluation, case=case, center_id=case.center_id,
                                  due_on=date(2099, 12, 31))
    db.session.add_all([absence, evaluation, rectification])
    db.session.flush()
    return absence, rectification


def _template_id(world):
    return db.session.query(CaseTemplate).filter_by(center_id=world.centers[0].id).first().id


def _upload():
    return FileStorage(io.BytesIO(PDF), filename="a.pdf")


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_outsiders_cannot_reach_objects(app, client, world, login_as, targets, endpoint):
    rule = object_routes(app)[endpoint]
    with app.test_request_context():
        url = url_for(endpoint, **{arg: targets[arg] for arg in rule.arguments})
    wrong = []
    for outsider, expected in MATRIX[endpoint].items():
        login_as(world.users[outsider])
        for method in _methods(rule):
            before = db.session.query(AuditEvent).count()
            response = client.open(url, method=method,
                                   data={"reason": "x", "body": "x", "action": "start"})
            changed = db.session.query(AuditEvent).count() != before
            if response.status_code != expected or changed:
                wrong.append(f"{outsider} {method} {url} → {response.status_code}"
                             + (" and wrote to the audit log" if changed else ""))
    assert not wrong, f"expected {MATRIX[endpoint]}: " + "; ".join(wrong)


def _api_url(app, endpoint, targets):
    rule = object_routes(app, api=True)[endpoint]
    with app.test_request_context():
        return url_for(endpoint, **{arg: targets[arg] for arg in rule.arguments})


def _api_answers(client, app, targets, secret, endpoint, method):
    """The status of one API request with `secret`, and whether the audit log grew."""
    before = db.session.query(AuditEvent).count()
    step = db.session.get(Step, targets["step_id"])
    response = client.open(_api_url(app, endpoint, targets), method=method,
                           headers={"Authorization": f"Bearer {secret}",
                                    "If-Match": f'"{step.version}"'},
                           **API_BODIES.get((endpoint, method), dict)())
    assert response.mimetype == "application/problem+json"
    return response.status_code, db.session.query(AuditEvent).count() != before


@pytest.mark.parametrize("endpoint, method", sorted(API_MATRIX))
def test_outsiders_and_bad_tokens_cannot_reach_api_objects(app, client, world, targets,
                                                           frozen_clock, endpoint, method):
    frozen_clock(2026, 3, 2)
    secrets = {who: make_token(world.users[who], name=who) for who in OUTSIDERS}
    expected = dict(API_OUTSIDERS.get((endpoint, method), INVISIBLE))
    other_scopes = [scope for scope in ALL_SCOPES if scope != API_MATRIX[endpoint, method]]
    secrets["without_the_scope"] = make_token(world.users["manager"], scopes=other_scopes)
    expected["without_the_scope"] = 403
    secrets["revoked"] = make_token(world.users["manager"], name="revoked")
    api_tokens.revoke_token(db.session.query(ApiToken).filter_by(name="revoked").one(),
                            world.users["manager"])
    secrets["expired"] = make_token(world.users["manager"], name="expired", days=1)
    db.session.commit()
    expected.update(revoked=401, expired=401)
    frozen_clock(2026, 3, 4)
    wrong = []
    for who, secret in secrets.items():
        status, changed = _api_answers(client, app, targets, secret, endpoint, method)
        if status != expected[who] or changed:
            wrong.append(f"{who} → {status}" + (" and wrote to the audit log" if changed else ""))
    assert not wrong, f"{method} {endpoint}: " + "; ".join(wrong)


# auth.home only redirects (to the login page when anonymous); logging out needs no session.
PUBLIC = {"auth.login", "auth.logout", "auth.home", "auth.healthz", "enterprises.register",
          "enterprises.privacy", "static", "verify.index", "verify.by_link", "i18n.switch",
          "api-docs.openapi_json",   # the API's contract is public; the API answers 401 (below)
          "api.verify_agreement",    # but for POST /api/v1/verify, public as /verify
          "api_reference.reference"}   # and so is the page showing it (/api/v1/docs)


def test_every_other_route_asks_anonymous_users_to_log_in(app, client, world, targets):
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint):
        if rule.endpoint in PUBLIC or _is_api(rule.endpoint):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{arg: targets[arg] for arg in rule.arguments})
        for method in _methods(rule):
            response = client.open(url, method=method)
            if response.status_code != 302 or "/login" not in response.headers["Location"]:
                wrong.append(f"{method} {url} → {response.status_code}")
    assert not wrong, "; ".join(wrong)


def test_every_api_route_asks_anonymous_callers_for_a_token(app, client, world, targets):
    wrong = []
    for rule in app.url_map.iter_rules():
        if not _is_api(rule.endpoint) or rule.endpoint in PUBLIC:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{arg: targets[arg] for arg in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if response.status_code != 401 or "Bearer" not in response.headers["WWW-Authenticate"]:
                wrong.append(f"{method} {url} → {response.status_code}")
    assert not wrong, "; ".join(wrong)
