"""Shell commands: seed-demo, create-center, create-user (README "Demo logins", "Configuration")."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from config import ProductionConfig, TestingConfig
from proxy_service import create_app
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.identifiers import uscc_check_ok
from proxy_service.documents.verification import check_file
from proxy_service.models import (
    Agreement,
    AgreementState,
    ApprovalItem,
    AuditEvent,
    Case,
    CaseStatus,
    CaseTemplate,
    Center,
    ClaimStatus,
    Document,
    Enterprise,
    EnterpriseClaim,
    Industry,
    Message,
    Role,
    Stage,
    Step,
    StepStatus,
    User,
    Verification,
)
from proxy_service.seed.catalog import INDUSTRIES, seed_center_catalog

DEMO_LOGINS = ["manager", "agent1", "agent2", "agent3", "manager2", "agent4",
               "ent1", "ent2", "ent3", "claimant"]
CENTER_ARGS = ["create-center", "--name", "太原武宿综合保税区企业服务中心", "--short-name", "武宿综保区",
               "--zone", "太原武宿综合保税区", "--prefix", "TYWSB", "--person", "郝主任"]


@pytest.fixture
def cli(app):
    def invoke(*args, **kwargs):
        return app.test_cli_runner().invoke(args=list(args), **kwargs)
    return invoke


@pytest.fixture
def seeded(demo):
    """After `flask seed-demo` (tests/conftest.py runs it once per worker and copies its rows
    in: exit code 0 and "demo data loaded" are checked there)."""
    return demo


def row_counts():
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_every_demo_user_logs_in_with_the_demo_password(client, seeded):
    for username in DEMO_LOGINS:
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": "demo1234"})
        assert response.status_code == 302, username


def test_demo_has_cases_in_every_status_and_steps_in_every_status(seeded):
    assert set(db.session.scalars(select(Case.status))) == set(CaseStatus)
    assert set(db.session.scalars(select(Step.status))) == set(StepStatus)


def test_demo_cases_moved_only_through_workflow_verbs(seeded):
    """Each case's audit trail starts with its submission and ends in its current status."""
    for case in db.session.scalars(select(Case)):
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.object_type == "case",
            AuditEvent.to_status != "")
            .order_by(AuditEvent.at, AuditEvent.id)).all()
        assert events[0].action == "submit_case", case.number
        assert events[-1].to_status == case.status.value, case.number


def test_demo_steps_record_what_their_status_needs(seeded):
    steps = db.session.scalars(select(Step)).all()
    for step in steps:
        if step.status is StepStatus.APPROVED:
            assert step.permit_no and step.approved_on and step.submitted_on
        if step.status in (StepStatus.SUBMITTED, StepStatus.RETURNED):
            assert step.acceptance_no and step.submitted_on
    returned = next(s for s in steps if s.status is StepStatus.RETURNED)
    refused = next(s for s in steps if s.status is StepStatus.REFUSED)
    assert returned.correction_request and refused.refusal_reason and refused.refusal_decision_no
    assert any(s.by_commitment for s in steps)


def test_showcase_case_has_reassignment_and_both_kinds_of_messages(seeded):
    project_case = db.session.scalar(select(Case).join(Case.project).where(
        Case.status == CaseStatus.IN_PROGRESS, Case.center.has(number_prefix="JZKFQ")))
    assert project_case.project.name == "尚风绿谷碳中和环保科技产业园项目"
    assert [a.agent.username for a in project_case.assignments] == ["agent2", "agent1"]
    assert project_case.assignments[-1].reason
    messages = db.session.scalars(select(Message).where(Message.case_id == project_case.id)).all()
    assert {m.internal for m in messages} == {True, False}


def test_demo_history_is_spread_over_past_working_days_and_clock_runs_again(seeded):
    times = db.session.scalars(select(AuditEvent.at)).all()
    assert max(times) <= clock.now()
    assert (clock.now() - min(times)).days >= 28
    assert len({t.date() for t in times}) >= 20
    assert seeded.clock_left_frozen is None


def test_demo_seals_state_the_moments_the_agreements_were_sealed(seeded):
    """/verify shows 加盖电子印章日期 (sealed_at) beside the seal's signing time: the demo
    seals at past moments, and each seal states the same moment."""
    sealed = db.session.scalars(select(Agreement).where(
        Agreement.state == AgreementState.SEALED)).all()
    assert len(sealed) >= 3
    for agreement in sealed:
        check = check_file(agreement.final_pdf)
        assert check.matches and check.seal.ok and check.by_center, agreement.number
        assert check.seal.signed_at == agreement.sealed_at.replace(microsecond=0), agreement.number
    assert min(a.sealed_at for a in sealed) < clock.now() - timedelta(days=14)


def test_demo_identifiers_are_valid_and_queues_are_not_empty(seeded):
    enterprises = db.session.scalars(select(Enterprise)).all()
    assert enterprises and all(uscc_check_ok(e.uscc) for e in enterprises)
    assert {e.verification for e in enterprises} == {Verification.VERIFIED, Verification.PENDING}
    claim = db.session.scalar(select(EnterpriseClaim))
    assert claim.outcome is ClaimStatus.PENDING and claim.claimant.username == "claimant"
    assert db.session.get(Document, claim.licence_document_id).content_type == "application/pdf"
    licences = db.session.scalars(select(Document).where(Document.kind == "licence")).all()
    assert {d.enterprise_id for d in licences} >= {e.id for e in enterprises}
    assert all(d.data.startswith(b"%PDF-") and d.size == len(d.data) for d in licences)
    unverified = db.session.scalar(select(Case).join(Case.enterprise).where(
        Case.status == CaseStatus.SUBMITTED, Enterprise.verification == Verification.PENDING))
    assert unverified is not None


def test_second_seed_reports_present_and_creates_nothing(cli, seeded):
    before = row_counts()
    result = cli("seed-demo")
    assert result.exit_code == 0
    assert "already present" in result.output
    assert row_counts() == before


def test_seed_demo_refuses_under_the_production_config(app, cli):
    class Production(ProductionConfig):
        SECRET_KEY = "a-real-secret-for-this-test-only"
        PUBLIC_BASE_URL = "https://daiban.example.gov.cn"
        SQLALCHEMY_DATABASE_URI = TestingConfig.SQLALCHEMY_DATABASE_URI

    production = create_app(Production)
    # Commands reuse the app context already pushed (the suite keeps the testing one open).
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["seed-demo"])
        db.engine.dispose()
    assert result.exit_code != 0
    assert "refuses to run under the production configuration" in result.output
    assert db.session.scalar(select(func.count(Center.id))) == 0


def test_create_center_seeds_the_catalogue(cli):
    result = cli(*CENTER_ARGS)
    assert result.exit_code == 0, result.output
    center = db.session.scalar(select(Center).where(Center.number_prefix == "TYWSB"))
    assert center.person_in_charge == "郝主任"
    items = db.session.scalars(select(ApprovalItem).where(
        ApprovalItem.center_id == center.id)).all()
    assert len(items) >= 15
    assert {item.stage for item in items} == set(Stage)
    assert all(item.material_list and item.promised_limit for item in items)
    permit = next(item for item in items if item.name == "施工许可证")
    assert {p.name for p in permit.prerequisites} == {"建设工程规划许可证", "消防设计审查"}
    templates = db.session.scalars(select(CaseTemplate).where(
        CaseTemplate.center_id == center.id)).all()
    assert {t.name for t in templates} == {"备案类工业项目", "核准类项目", "标准地项目"}
    assert all(t.items and t.overall_limit for t in templates)
    assert set(db.session.scalars(select(Industry.name))) == set(INDUSTRIES)


def test_create_center_refuses_a_taken_prefix_and_a_bad_prefix(cli):
    cli(*CENTER_ARGS)
    again = cli(*CENTER_ARGS)
    assert again.exit_code != 0 and "exists" in again.output
    bad = cli(*CENTER_ARGS[:-4], "--prefix", "tywsb-1")
    assert bad.exit_code != 0 and "prefix" in bad.output
    assert db.session.scalar(select(func.count(Center.id))) == 1


def test_seeding_a_catalogue_twice_adds_nothing(cli):
    cli(*CENTER_ARGS)
    center = db.session.scalar(select(Center))
    before = row_counts()
    assert seed_center_catalog(center) is False
    assert row_counts() == before


def test_create_user_creates_an_agent_who_can_log_in(cli, client):
    cli(*CENTER_ARGS)
    result = cli("create-user", "--username", "agent9", "--name", "郭代办", "--role", "agent",
                 "--center", "TYWSB", "--phone", "13812345678", input="pw12345678\npw12345678\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "agent9"))
    assert user.role is Role.AGENT and user.center.number_prefix == "TYWSB"
    response = client.post("/login", data={"username": "agent9", "password": "pw12345678"})
    assert response.status_code == 302


def test_create_user_needs_an_existing_center(cli):
    result = cli("create-user", "--username", "agent9", "--name", "郭代办", "--role", "agent",
                 "--center", "NOPE", input="pw12345678\npw12345678\n")
    assert result.exit_code != 0 and "no center" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
