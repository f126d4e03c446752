"""Every object-addressed route, requested by someone who must not reach the object:
another enterprise, another center's staff, an agent not assigned to the case, and a
claimant (an enterprise login whose claim on a taken USCC waits, so it has no enterprise).
The answer is 404 (the object is invisible) or 403 (the role may not do this at all),
for GET and POST alike, and nothing changes."""
import io
from datetime import UTC

import pytest

from config import TestingConfig
from proxy_service import create_app
from proxy_service.core.extensions import db
from proxy_service.models import AuditEvent, EnterpriseClaim, Role
from proxy_service.workflow.documents import store_document

from . import factories
from .factories import PDF

OUTSIDERS = ["other_enterprise", "other_manager", "other_center_agent", "other_agent", "claimant"]


def _object_routes():
    app = create_app(TestingConfig)
    routes = []
    for rule in app.url_map.iter_rules():
        # verify.by_link is the public QR target: it has an argument but no object to guard.
        if rule.arguments and rule.endpoint not in ("static", "verify.by_link"):
            for method in sorted(rule.methods & {"GET", "POST"}):
                routes.append((rule.endpoint, rule.rule, method))
    return sorted(routes)



def _is_case_route(rule):
    return "case_id" in rule or "document_id" in rule


# A same-center agent is an outsider only to cases not assigned to it.
CASES = [(outsider, *route) for route in _object_routes() for outsider in OUTSIDERS
         if outsider != "other_agent" or _is_case_route(route[1])]


@pytest.fixture
def targets(world):
    """Objects of the first enterprise and the first center, keyed by URL argument."""
    world.users["claimant"] = factories.make_user("claimer", Role.ENTERPRISE, name="孙七")
    case = world.case()
    step = case.steps[0]
    document = store_document(_upload(), kind="material", uploader=world.users["owner"], case=case)
    licence = store_document(_upload(), kind="licence", uploader=world.users["owner"],
                             enterprise=world.enterprises[0])
    claim = EnterpriseClaim(enterprise=world.enterprises[0], claimant=world.users["other_enterprise"],
                            claimed_name="x", legal_representative="x", contact_person="x",
                            mobile="13900000000")
    db.session.add(claim)
    absence, rectification = _quality_targets(world, case)
    db.session.commit()
    return {"absence_id": absence.id, "rectification_id": rectification.id, "case_id": case.id, "step_id": step.id, "document_id": document.id,
            "project_id": world.project.id, "enterprise_id": world.enterprises[0].id,
            "item_id": world.items[0].id, "template_id": world.items[0].id and _template_id(world),
            "user_id": world.users["agent"].id, "claim_id": claim.id, "licence": licence.id,
            # An enterprise user of the first center's enterprise: personal-data requests.
            "person_id": world.users["owner"].id,
            "notice_id": _notice_id(case), "notification_id": _notification_id(world),
            "agreement_id": case.agreements[0].id, "report_id": _report_id(world)}


def _report_id(world):
    """A stored monthly report of the first center (a closed month of its records: its
    manager on the staff since then)."""
    from datetime import date, datetime

    from proxy_service.workflow import reports as report_archive
    world.users["manager"].created_at = datetime(2020, 1, 5, 2, tzinfo=UTC)
    report = report_archive.issue(world.centers[0].id, date(2020, 1, 1), world.users["manager"],
                                  render=lambda version, issued_at: PDF)
    return report.id


def _notice_id(case):
    """The case's 一次性告知单, issued when it was accepted."""
    from proxy_service.models import IssuedNotice
    return db.session.query(IssuedNotice.id).filter_by(case_id=case.id).first()[0]


def _notification_id(world):
    """A notification of the first enterprise's user (the case's events made some)."""
    from proxy_service.models import Notification
    return db.session.query(Notification.id).filter_by(user_id=world.users["owner"].id).first()[0]


def _quality_targets(world, case):
    """An absence of the first center's agent and a rectification on the case (rows made
    directly: the rules that create them are tested in test_absences / test_rectifications)."""
    from datetime import date

    from proxy_service.models import Absence, Evaluation, Grade, Rectification

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
    from proxy_service.models import CaseTemplate
    return db.session.query(CaseTemplate).filter_by(center_id=world.centers[0].id).first().id


def _upload():
    from werkzeug.datastructures import FileStorage
    return FileStorage(io.BytesIO(PDF), filename="a.pdf")


@pytest.mark.parametrize("outsider, endpoint, rule, method", CASES)
def test_outsiders_cannot_reach_objects(client, world, login_as, targets, outsider, endpoint, rule,
                                        method):
    from flask import url_for

    with client.application.test_request_context():
        url = url_for(endpoint, **{arg: targets[arg] for arg in _arguments(rule)})
    login_as(world.users[outsider])
    before = db.session.query(AuditEvent).count()
    response = client.open(url, method=method, data={"reason": "x", "body": "x", "action": "start"})
    assert response.status_code in (403, 404), f"{outsider} {method} {url} → {response.status_code}"
    if method == "GET" and _is_case_route(rule):
        assert response.status_code == 404
    assert db.session.query(AuditEvent).count() == before


def _arguments(rule):
    import re
    return re.findall(r"<(?:\w+:)?(\w+)>", rule)



# auth.home only redirects (to the login page when anonymous); logging out needs no session.
PUBLIC = {"auth.login", "auth.logout", "auth.home", "auth.healthz", "enterprises.register",
          "enterprises.privacy", "static", "verify.index", "verify.by_link", "i18n.switch"}


def _all_routes():
    app = create_app(TestingConfig)
    return sorted((rule.endpoint, rule.rule, method) for rule in app.url_map.iter_rules()
                  for method in sorted(rule.methods & {"GET", "POST"})
                  if rule.endpoint not in PUBLIC)


@pytest.mark.parametrize("endpoint, rule, method", _all_routes())
def test_every_other_route_asks_anonymous_users_to_log_in(client, world, targets, endpoint, rule,
                                                          method):
    from flask import url_for

    with client.application.test_request_context():
        url = url_for(endpoint, **{arg: targets[arg] for arg in _arguments(rule)})
    response = client.open(url, method=method)
    assert response.status_code == 302 and "/login" in response.headers["Location"], url
