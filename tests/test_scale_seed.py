"""`flask seed-scale`: a small run gives a consistent, usable world (the speed of a large run
is measured by the command itself, never asserted here)."""
import hashlib
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from proxy_service import workflow
from proxy_service.audit.chain import verify_chains
from proxy_service.calendar import deadlines, lights, workdays
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    Agreement,
    AuditEvent,
    Case,
    CaseStatus,
    Center,
    Document,
    DocumentBlob,
    Enterprise,
    Message,
    Notification,
    Project,
    Role,
    Step,
    StepRound,
    StepStatus,
    User,
)
from proxy_service.seed.demo import DEMO_TOTP_SECRET
from proxy_service.seed.scale.seed import RefusedToSeed, seed_scale

from . import factories

CASES = 200
TODAY = datetime(2026, 6, 15, 10, tzinfo=clock.BEIJING)


@pytest.fixture
def seeded(app):
    """200 cases seen from a fixed day, with a small pool of files (sizes 100 KB-2 MB)."""
    clock.freeze(TODAY)
    summary = seed_scale(CASES, seed=7, with_seals=False, pool=(6, 0))
    db.session.expire_all()
    return summary


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_seeded_world_is_consistent(seeded, app):
    """One seeding, several aspects (each run of the seeder costs seconds)."""
    check_counts_statuses_and_steps(seeded)
    check_audit_chains_and_case_rows(app)
    check_numbers_continue_where_the_app_continues()
    check_due_dates_are_the_apps()
    check_messages_notifications_and_files()


def check_counts_statuses_and_steps(seeded):
    assert (count(Center), count(Case), count(Project), count(Enterprise)) == (20, CASES, CASES, 10)
    staff = Counter(db.session.scalars(select(User.role).where(User.center_id.isnot(None))))
    assert staff == {Role.AGENT: 200, Role.MANAGER: 30}
    assert count(User) == 230 + 10 + 2          # e000005-2 and e000010-2
    statuses = Counter(db.session.scalars(select(Case.status)))
    assert set(statuses) == set(CaseStatus) and sum(statuses.values()) == CASES
    assert seeded["statuses"] == {status.value: n for status, n in statuses.items()}
    steps = dict(db.session.execute(select(Step.case_id, func.count()).group_by(Step.case_id)).all())
    for case in db.session.scalars(select(Case)):
        if case.accepted_at is None:       # submitted, declined or withdrawn before acceptance
            assert case.id not in steps and 8 <= len(case.requested_items) <= 14
        else:
            assert 8 <= steps[case.id] <= 14, case.number
    assert set(db.session.scalars(select(Step.status))) == set(StepStatus)
    for table, rows in seeded["rows"].items():
        if table != "users":
            assert db.session.scalar(text(f"SELECT count(*) FROM {table}")) == rows, table


def check_audit_chains_and_case_rows(app):
    problems, seen = verify_chains(db.session)
    assert problems == [] and len(seen) == CASES
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
    # Status, closing time and assignment agree with the audit trail.
    for case in db.session.scalars(select(Case)):
        moves = db.session.scalars(select(AuditEvent.to_status).where(
            AuditEvent.case_id == case.id, AuditEvent.object_type == "case",
            AuditEvent.to_status != "").order_by(AuditEvent.id)).all()
        assert moves[-1] == case.status.value, case.number
        assert (case.closed_at is not None) == (not case.status.is_open)
        assert (case.agent_id is None) == (case.status in (CaseStatus.SUBMITTED,
                                                           CaseStatus.ACCEPTED)
                                           or "signing" not in moves)


def check_numbers_continue_where_the_app_continues():
    for center in db.session.scalars(select(Center)):
        numbers = db.session.scalars(select(Case.number).where(Case.center_id == center.id)
                                     .order_by(Case.submitted_at, Case.id)).all()
        by_year = Counter(number.split("-")[1] for number in numbers)
        for year, n in by_year.items():
            assert sorted(int(x.rsplit("-", 1)[1]) for x in numbers if f"-{year}-" in x) \
                == list(range(1, n + 1))
        assert workflow.cases._next_case_number(center) not in numbers
    agreement_numbers = db.session.scalars(select(Agreement.number)).all()
    assert len(set(agreement_numbers)) == len(agreement_numbers)


def check_due_dates_are_the_apps():
    """Every due date and promised date is what deadlines.py derives from the rounds and
    suspension periods written beside them; steps filed once in cases never suspended have
    the item's promised limit."""
    suspended = set(db.session.scalars(select(AuditEvent.case_id).where(
        AuditEvent.action == "suspend")))
    returned = set(db.session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "return")))
    checked, kinds = 0, Counter()
    for step in db.session.scalars(select(Step).where(Step.due_on.isnot(None))):
        assert step.yellow_on == workdays.add_workdays(
            step.due_on, -max(2, step.allotted_workdays // 5)), step.id
        if step.status is StepStatus.SUBMITTED:
            assert deadlines.due_of(step) == (step.due_on, step.allotted_workdays), step.id
        else:
            assert step.due_on == due_when_decided(step), step.id
        last = step.rounds[-1]
        kinds["refiled" if len(step.rounds) > 1 else "once" if step.due_on == deadlines.limit_end(
            last.filed_on, last.allotted, last.allotted_unit) else "paused"] += 1
        if step.case_id in suspended or step.id in returned:
            continue
        assert step.due_on == deadlines.promised_due(step.item, step.submitted_on), step.id
        assert step.allotted_workdays == workdays.workdays_between(step.submitted_on, step.due_on)
        checked += 1
    assert checked > 500 and kinds["refiled"] and kinds["paused"]
    check_history_of_cases_and_steps()
    running = db.session.scalars(select(Case).where(Case.status == CaseStatus.IN_PROGRESS)).all()
    seen = Counter(lights.case_light(case) for case in running)
    assert seen[lights.Light.RED] and seen[lights.Light.GREEN]
    assert all(s.due_on is None and s.remaining_workdays is not None
               for s in db.session.scalars(select(Step).where(Step.status == StepStatus.RETURNED)))


def due_when_decided(step):
    """The due date a decided step kept: its last round's, moved by the suspensions that
    began after its filing and ended before its decision (deadlines.resume)."""
    last = step.rounds[-1]
    paused = sum(workdays.workdays_between(period.started_on, period.ended_on)
                 for period in step.case.suspensions
                 if period.ended_on is not None and period.started_on >= last.filed_on
                 and period.ended_on <= last.decided_on)
    return workdays.add_workdays(deadlines.limit_end(last.filed_on, last.allotted,
                                                     last.allotted_unit), paused)


def check_history_of_cases_and_steps():
    """Rounds agree with the step rows and the audit trail, periods with the case rows."""
    started = db.session.scalars(select(Case).where(Case.started_on.isnot(None))).all()
    assert started
    for case in started:
        assert deadlines.promised_of(case) == case.promised_on, case.number
        assert [s.ended_on is None for s in case.suspensions] == (
            [True] if case.status is CaseStatus.SUSPENDED else [False] * len(case.suspensions))
    assert any(case.suspensions and case.suspensions[0].ended_on for case in started)
    filings = Counter(db.session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.object_type == "step", AuditEvent.action == "submit")))
    rounds = dict(db.session.execute(select(StepRound.step_id, func.count())
                                     .group_by(StepRound.step_id)).all())
    assert rounds == dict(filings)
    for step in db.session.scalars(select(Step).where(Step.id.in_(rounds))):
        last = step.rounds[-1]
        assert last.filed_on == step.submitted_on, step.id
        assert last.is_open == (step.status is StepStatus.SUBMITTED), step.id
        assert last.decided_on == (step.approved_on if step.status is StepStatus.APPROVED
                                   else last.decided_on), step.id
        if step.status is StepStatus.RETURNED:
            assert last.remaining_workdays == step.remaining_workdays, step.id


def log_in(client, user):
    """Through the pages, as a person given the documented password and TOTP secret would."""
    client.post("/logout")
    response = client.post("/login", data={"username": user.username, "password": "demo1234"})
    assert response.status_code == 302, user.username
    if user.is_staff:
        assert response.headers["Location"].endswith("/login/code")
        code = factories.one_time_code(user, secret=DEMO_TOTP_SECRET)
        assert client.post("/login/code", data={"code": code}).status_code == 302, user.username


def test_seeded_users_log_in_and_see_their_pages(seeded, client):
    enterprise_user = db.session.scalar(select(User).where(User.username == "e000001"))
    log_in(client, enterprise_user)
    case = db.session.scalar(select(Case).where(Case.enterprise_id == enterprise_user.enterprise_id,
                                                Case.status == CaseStatus.IN_PROGRESS).limit(1)) \
        or db.session.scalar(select(Case).where(Case.enterprise_id == enterprise_user.enterprise_id))
    for url in ("/cases", f"/cases/{case.id}", "/notifications"):
        assert client.get(url).status_code == 200, url
    document = db.session.scalar(select(Document).where(Document.case_id == case.id).limit(1))
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == document.sha256
    assert response.data == db.session.get(DocumentBlob, document.sha256).data

    manager = db.session.scalar(select(User).where(User.username == "s01-manager1"))
    log_in(client, manager)
    for url in ("/cases", "/cases?light=red", "/manage/dashboard", "/manage/requests"):
        assert client.get(url).status_code == 200, url

    agent = db.session.scalar(select(User).join(Case, Case.agent_id == User.id).where(
        Case.status == CaseStatus.IN_PROGRESS).limit(1))
    log_in(client, agent)
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    number = db.session.scalar(select(Case.number).where(Case.agent_id == agent.id,
                                                         Case.status == CaseStatus.IN_PROGRESS))
    assert number in inbox.text


def check_messages_notifications_and_files():
    assert count(Message) > CASES and count(Notification) > CASES
    licences = db.session.scalars(select(Document).where(Document.kind == "licence")).all()
    assert len(licences) == 10 and all(d.case_id is None for d in licences)
    sizes = db.session.scalars(select(DocumentBlob.size)).all()
    assert len(sizes) == 6 and all(100_000 <= size <= 2_100_000 for size in sizes)
    for blob in db.session.scalars(select(DocumentBlob)):
        assert blob.data[:5] == b"%PDF-" or blob.data[:3] == b"\xff\xd8\xff"
        assert hashlib.sha256(blob.data).hexdigest() == blob.sha256


def test_refuses_a_database_with_data_unless_appending(app):
    factories.make_world()
    db.session.commit()
    with pytest.raises(RefusedToSeed):
        seed_scale(10, with_seals=False, pool=(2, 0))
    clock.freeze(TODAY)
    summary = seed_scale(10, with_seals=False, pool=(2, 0), append=True)
    assert summary["statuses"] and sum(summary["statuses"].values()) == 10
    assert verify_chains(db.session)[0] == []


def test_refuses_under_production(app):
    app.config["SEED_DEMO_ALLOWED"] = False
    try:
        result = app.test_cli_runner().invoke(args=["seed-scale", "--cases", "5"])
    finally:
        app.config["SEED_DEMO_ALLOWED"] = True
    assert result.exit_code != 0 and "production" in result.output
    assert count(Case) == 0
