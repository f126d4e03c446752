"""Agreements through /api/v1 (scope cases:read): those who see the case on the pages read
its agreements and download the very file the agreement page serves; outsiders get 404."""
import pytest

from proxy_service.core.extensions import db
from proxy_service.models import AgreementState

from .api_helpers import assert_problem, bearer, make_token

READERS = ("owner", "manager", "agent")
OUTSIDERS = ("other_enterprise", "other_manager", "other_center_agent", "other_agent")


def _urls(case):
    agreement = case.agreements[0]
    return (f"/api/v1/cases/{case.id}/agreements", f"/api/v1/agreements/{agreement.id}",
            f"/api/v1/agreements/{agreement.id}/pdf")


@pytest.mark.parametrize("who", READERS)
def test_those_who_see_the_case_read_its_agreement_state_and_times(client, world, who):
    case = world.case()
    db.session.commit()
    agreement = case.agreements[0]
    secret = make_token(world.users[who])
    listed = client.get(f"/api/v1/cases/{case.id}/agreements", headers=bearer(secret)).get_json()
    assert [item["id"] for item in listed["items"]] == [agreement.id]
    body = client.get(f"/api/v1/agreements/{agreement.id}", headers=bearer(secret)).get_json()
    assert body == listed["items"][0]
    assert body["number"] == agreement.number and body["state"] == "sealed"
    assert body["case_id"] == case.id and body["kind"] == "agreement"
    assert body["enterprise_signed_at"] and body["center_signed_at"] and body["sealed_at"]
    assert body["enterprise_signed_at"] <= body["center_signed_at"] <= body["sealed_at"]
    detail = client.get(f"/api/v1/cases/{case.id}", headers=bearer(secret)).get_json()
    assert detail["agreements"] == listed["items"]


def test_an_agreement_awaiting_the_enterprise_has_no_signature_times(client, world):
    case = world.case(signed=False)
    db.session.commit()
    secret = make_token(world.users["owner"])
    body = client.get(f"/api/v1/agreements/{case.agreements[0].id}", headers=bearer(secret)).get_json()
    assert body["state"] == AgreementState.AWAITING_ENTERPRISE.value
    assert body["enterprise_signed_at"] is body["center_signed_at"] is body["sealed_at"] is None


@pytest.mark.parametrize("signed", [True, False])
def test_the_pdf_is_the_file_the_agreement_page_serves(client, world, login_as, signed):
    case = world.case(signed=signed)
    db.session.commit()
    agreement = case.agreements[0]
    secret = make_token(world.users["owner"])
    response = client.get(f"/api/v1/agreements/{agreement.id}/pdf", headers=bearer(secret))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    page = login_as(world.users["owner"]).get(f"/agreements/{agreement.id}/pdf")
    assert response.data == page.data
    assert response.data == (agreement.final_pdf if signed else agreement.unsigned_pdf)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404(client, world, who):
    case = world.case()
    db.session.commit()
    secret = make_token(world.users[who])
    for url in _urls(case):
        assert_problem(client.get(url, headers=bearer(secret)), 404)


def test_cases_read_is_needed(client, world):
    case = world.case()
    db.session.commit()
    secret = make_token(world.users["owner"], scopes=["messages:write"])
    for url in _urls(case):
        assert_problem(client.get(url, headers=bearer(secret)), 403)
