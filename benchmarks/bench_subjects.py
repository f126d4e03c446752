"""What the page benchmark looks at in a seeded database: the busiest center, its manager and
busiest agent, its largest case and that case's enterprise user, and the URLs to fetch.
Chosen by SQL at setup (not timed), so any seed of the schema works."""
import os
import platform
import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import desc, func, select

from proxy_service import permissions
from proxy_service.api.queries import make_cursor
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    Agreement,
    AgreementState,
    AuditEvent,
    Case,
    CaseStatus,
    Document,
    Project,
    Role,
    Step,
    User,
)

# A Chinese word found in many enterprise and project names (override with BENCH_TEXT).
SEARCH_TEXT = os.environ.get("BENCH_TEXT", "科技")


def pick_subjects(app):
    """Users to log in and URLs to fetch; call inside an app context."""
    session = db.session
    center_id, center_cases = session.execute(
        select(Case.center_id, func.count()).group_by(Case.center_id)
        .order_by(desc(func.count()), Case.center_id).limit(1)).one()
    manager = _staff(session, center_id, Role.MANAGER)
    agent_id = session.scalar(
        select(Case.agent_id).join(User, User.id == Case.agent_id)
        .where(Case.center_id == center_id, Case.status.in_(OPEN_CASE_STATUSES),
               User.active.is_(True), User.totp_secret.isnot(None))
        .group_by(Case.agent_id).order_by(desc(func.count()), Case.agent_id).limit(1))
    agent = session.get(User, agent_id)
    # The largest case: most steps, then most audit events (among the 20 with most steps).
    biggest = session.execute(
        select(Step.case_id, func.count()).join(Case, Case.id == Step.case_id)
        .where(Case.center_id == center_id).group_by(Step.case_id)
        .order_by(desc(func.count()), Step.case_id).limit(20)).all()
    events = dict(session.execute(
        select(AuditEvent.case_id, func.count())
        .where(AuditEvent.case_id.in_([case_id for case_id, _ in biggest]))
        .group_by(AuditEvent.case_id)).all())
    largest_id, largest_steps = max(biggest, key=lambda row: (row[1], events.get(row[0], 0), -row[0]))
    largest = session.get(Case, largest_id)
    owner = session.scalar(select(User).where(
        User.enterprise_id == largest.enterprise_id, User.role == Role.ENTERPRISE,
        User.active.is_(True)).order_by(User.id).limit(1))
    agreement_id = session.scalar(
        select(Agreement.id).join(Case, Case.id == Agreement.case_id)
        .where(Case.center_id == center_id, Agreement.state == AgreementState.SEALED)
        .order_by((Agreement.case_id == largest_id).desc(), Agreement.id).limit(1)) \
        or session.scalar(select(Agreement.id).join(Case, Case.id == Agreement.case_id)
                          .where(Case.center_id == center_id).order_by(Agreement.id).limit(1))
    document = session.execute(
        select(Document.id, Document.size).join(Case, Case.id == Document.case_id)
        .where(Case.center_id == center_id).order_by(desc(Document.size), Document.id)
        .limit(1)).first()
    # Filters that match at least one case at every size, so that the page's statements are
    # the same (an empty page skips loading the steps): an open case's industry and stage.
    industry_id, stage = session.execute(
        select(Project.industry_id, Step.stage).join(Case, Case.project_id == Project.id)
        .join(Step, Step.case_id == Case.id)
        .where(Case.center_id == center_id, Case.status == CaseStatus.IN_PROGRESS)
        .order_by(Case.id, Step.id).limit(1)).one()
    page_size = app.config["PAGE_SIZE"]
    last_page = max(1, -(-center_cases // page_size))
    today = clock.today()
    year_ago = today - timedelta(days=364)
    pages = [
        ("enterprise: case list", "enterprise", "/cases"),
        ("enterprise: largest case status page", "enterprise", f"/cases/{largest_id}"),
        ("agent: inbox", "agent", "/inbox"),
        ("manager: case list, first page", "manager", "/cases"),
        ("manager: case list, last page", "manager", f"/cases?page={last_page}"),
        ("manager: case list, filters", "manager",
         f"/cases?status=in_progress&stage={stage.value}&industry={industry_id}"),
        ("manager: case list, text search", "manager", f"/cases?q={SEARCH_TEXT}"),
        ("manager: dashboard, this month", "manager", "/manage/dashboard"),
        ("manager: dashboard, a year", "manager",
         f"/manage/dashboard?start={year_ago.isoformat()}&end={today.isoformat()}"),
        ("manager: workload", "manager", "/manage/workload"),
        # The manager of the seed gets few notifications; an agent gets one per event of a case.
        ("agent: notifications", "agent", "/notifications"),
    ]
    if agreement_id:
        pages.append(("manager: agreement PDF download", "manager",
                      f"/agreements/{agreement_id}/pdf?download=1"))
    # The JSON API (issue 17), with a token of the same users: the case list's first page, a
    # page deep in the list (its cursor the case 50 before the manager's last), the largest
    # case as its enterprise reads it (beside that case's status page above).
    deep = session.scalar(permissions.visible_cases(manager)
                          .order_by(Case.updated_at, Case.id)
                          .offset(max(0, center_cases - 51)).limit(1))
    api_pages = [
        ("API: case list, first page", "manager", "/api/v1/cases"),
        ("API: case list, deep cursor page", "manager", f"/api/v1/cases?cursor={make_cursor(deep)}"),
        ("API: largest case detail", "enterprise", f"/api/v1/cases/{largest_id}"),
    ]
    return {
        "center": center_id, "center_cases": center_cases,
        "total_cases": session.scalar(select(func.count()).select_from(Case)),
        "largest_case": largest.number, "largest_steps": largest_steps,
        "users": {"manager": manager.username, "agent": agent.username, "enterprise": owner.username},
        "pages": pages, "api_pages": api_pages,
        "export_url": "/manage/export?list=cases&format=csv",
        "document_url": f"/documents/{document.id}" if document else None,
        "document_size": document.size if document else 0,
    }


def _staff(session, center_id, role):
    return session.scalar(select(User).where(
        User.center_id == center_id, User.role == role, User.active.is_(True),
        User.totp_secret.isnot(None)).order_by(User.id).limit(1))


def machine(engine):
    """What the figures were measured on."""
    info = {"nproc": os.cpu_count(), "cpu": _cpu_model(), "ram_gb": _ram_gb(),
            "python": platform.python_version(), "database": engine.dialect.name}
    if engine.dialect.name == "sqlite":
        info["sqlite"] = sqlite3.sqlite_version
    else:
        with engine.connect() as conn:
            info["postgresql"] = conn.exec_driver_sql("SHOW server_version").scalar()
    return info


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None
