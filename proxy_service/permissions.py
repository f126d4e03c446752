"""Who may see and change what: scoped queries, object predicates and role decorators.

Views load objects only through the *_or_404 helpers here, so that another
enterprise's or another center's record answers 404, never 403 with a hint.
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import false, select

from proxy_service.core.extensions import db
from proxy_service.models import (
    Agreement,
    AgreementState,
    Case,
    CaseStatus,
    ClaimStatus,
    Document,
    Enterprise,
    EnterpriseClaim,
    MonthlyReport,
    Project,
    Role,
    Step,
)
from proxy_service.models.agreements import CENTER, ENTERPRISE
from proxy_service.workflow.assignment import acts_for, agents_covered_by


def role_required(*roles):
    """View decorator: logged in and one of `roles`, else 403."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


staff_required = role_required(Role.AGENT, Role.MANAGER)
manager_required = role_required(Role.MANAGER)
enterprise_required = role_required(Role.ENTERPRISE)


# --- scoped queries ----------------------------------------------------------

def visible_cases(user):
    """The cases `user` may see, as a query: callers never filter by hand."""
    query = select(Case)
    if user.role is Role.ENTERPRISE:
        return query.where(Case.enterprise_id == (user.enterprise_id or -1))
    query = query.where(Case.center_id == user.center_id)
    if user.role is Role.AGENT:   # own cases and those of absent colleagues they substitute for
        return query.where(Case.agent_id.in_(agents_covered_by(user)))
    return query


def visible_projects(user):
    query = select(Project)
    if user.role is Role.ENTERPRISE:
        return query.where(Project.enterprise_id == (user.enterprise_id or -1))
    return query.where(Project.center_id == user.center_id)


def visible_claims(user):
    """USCC claims are decided where the enterprise registered: only the managers of its home
    center see them — not a center where it merely has a case."""
    query = select(EnterpriseClaim)
    if user.role is not Role.MANAGER:
        return query.where(false())
    home = select(Enterprise.id).where(Enterprise.home_center_id == user.center_id)
    return query.where(EnterpriseClaim.enterprise_id.in_(home))


def visible_enterprises(user):
    """Staff see the enterprises registered with their center or asking it for service."""
    if user.role is Role.ENTERPRISE:
        return select(Enterprise).where(Enterprise.id == (user.enterprise_id or -1))
    asking = select(Case.enterprise_id).where(Case.center_id == user.center_id)
    return select(Enterprise).where((Enterprise.home_center_id == user.center_id)
                                    | Enterprise.id.in_(asking))


def case_or_404(user, case_id, *options):
    """The case if `user` may see it (404 otherwise), loaded with the given loader options."""
    return db.first_or_404(visible_cases(user).where(Case.id == case_id).options(*options))


def step_or_404(user, case_id, step_id):
    case = case_or_404(user, case_id)
    step = db.session.get(Step, step_id)
    if step is None or step.case_id != case.id:
        abort(404)
    return step


def project_or_404(user, project_id):
    return db.first_or_404(visible_projects(user).where(Project.id == project_id))


def claim_or_404(user, claim_id):
    return db.first_or_404(visible_claims(user).where(EnterpriseClaim.id == claim_id))


def enterprise_or_404(user, enterprise_id):
    return db.first_or_404(visible_enterprises(user).where(Enterprise.id == enterprise_id))


def document_or_404(user, document_id):
    """A document on a visible case, or the user's own enterprise's (or a visible) licence."""
    document = db.session.get(Document, document_id)
    if document is None:
        abort(404)
    if document.case_id is not None:
        case_or_404(user, document.case_id)
    elif document.enterprise_id is not None:
        enterprise_or_404(user, document.enterprise_id)
        if user.role is Role.ENTERPRISE and not _uploaded_within(document, user):
            abort(404)   # a claimant's licence filed under this enterprise is not its members' to see
        if user.is_staff and _hidden_claim_evidence(user, document):
            abort(404)
    else:
        abort(404)
    return document


def _hidden_claim_evidence(user, document):
    """A licence filed with a claim not (yet) approved belongs to the claim: staff who may not
    see the claim may not see it either. Approved, it is the enterprise's own licence."""
    evidence = select(EnterpriseClaim.id).where(EnterpriseClaim.licence_document_id == document.id,
                                                EnterpriseClaim.outcome != ClaimStatus.APPROVED)
    if db.session.scalar(evidence.limit(1)) is None:
        return False
    visible = visible_claims(user).where(EnterpriseClaim.licence_document_id == document.id)
    return db.session.scalar(visible.with_only_columns(EnterpriseClaim.id).limit(1)) is None


def monthly_report_or_404(user, report_id):
    """A stored monthly report of the (manager) user's own center."""
    return db.first_or_404(select(MonthlyReport).where(
        MonthlyReport.id == report_id, MonthlyReport.center_id == user.center_id))


def _uploaded_within(document, user):
    uploader = document.uploaded_by
    return uploader is None or uploader.enterprise_id == user.enterprise_id


# --- predicates (also used by templates to show a button only when allowed) ---

def can_update_case(user, case):
    """Managers of the center handle requests and the case's life cycle."""
    return user.role is Role.MANAGER and case.center_id == user.center_id


def can_open_step(user, step):
    """The staff handling the step's case may open its page while the case is open, also when
    nothing can be done on it now: the page says what it waits for (step_rules.blockers)."""
    case = step.case
    if case.center_id != user.center_id or not case.is_open:
        return False
    return user.role is Role.MANAGER or (user.role is Role.AGENT and acts_for(user, case.agent_id))


def can_update_step(user, step):
    return can_open_step(user, step) and step.case.status is CaseStatus.IN_PROGRESS


def can_withdraw_case(user, case):
    return user.role is Role.ENTERPRISE and case.enterprise_id == user.enterprise_id and case.is_open


def can_edit_project(user, project):
    return user.role is Role.ENTERPRISE and project.enterprise_id == user.enterprise_id


def can_write_internal(user):
    return user.is_staff


def can_export_dossier(user, case):
    """The case's dossier (案卷, internal notes included): the staff who handle the case."""
    return handles_case(user, case)


# --- agreements ------------------------------------------------------------------------

def handles_case(user, case):
    """Staff who handle the case: a manager of its center, its agent, or the colleague who
    substitutes for the agent today (as can_open_step)."""
    if case.center_id != user.center_id:
        return False
    return user.role is Role.MANAGER or (user.role is Role.AGENT and acts_for(user, case.agent_id))


def agreement_or_404(user, agreement_id):
    """The agreement when `user` may see its case (another enterprise's answers 404)."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        abort(404)
    case_or_404(user, agreement.case_id)
    return agreement


def signing_party(user, agreement):
    """The party `user` may sign `agreement` for now (ENTERPRISE / CENTER), or None."""
    case = agreement.case
    if agreement.state is AgreementState.AWAITING_ENTERPRISE and user.role is Role.ENTERPRISE \
            and user.enterprise_id == case.enterprise_id:
        return ENTERPRISE
    if agreement.state is AgreementState.AWAITING_CENTER and can_countersign(user, case):
        return CENTER
    return None


def can_sign(user, agreement):
    return signing_party(user, agreement) is not None


def can_countersign(user, case):
    """Per center setting: the case's assigned agent, or a manager of the center."""
    if user.center_id != case.center_id:
        return False
    if case.center.countersign_role == "agent":
        return user.role is Role.AGENT and case.agent_id == user.id
    return user.role is Role.MANAGER


def can_upload_scan(user, agreement):
    """A paper-signed scan: the enterprise itself, or the case's staff on its behalf, while the
    agreement awaits the enterprise."""
    if agreement.state is not AgreementState.AWAITING_ENTERPRISE:
        return False
    if user.role is Role.ENTERPRISE:
        return user.enterprise_id == agreement.case.enterprise_id
    return can_check_scan(user, agreement.case)


def can_check_scan(user, case):
    """Comparing a paper-signed scan with the original: the staff who handle the case."""
    return handles_case(user, case)


PREDICATES = {f.__name__: f for f in (can_update_case, can_open_step, can_update_step,
                                       can_withdraw_case, can_edit_project, can_write_internal,
                                       can_export_dossier, can_sign, can_upload_scan,
                                       can_check_scan)}
