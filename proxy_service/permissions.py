"""Who may see and change what: scoped queries, object predicates and role decorators.

Views load objects only through the *_or_404 helpers here, so that another
enterprise's or another center's record answers 404, never 403 with a hint.
"""
from functools import wraps

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import false, select

from proxy_service.core.extensions import db
from proxy_service.models import (
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
    User,
)
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
    """The case's dossier (案卷, internal notes included): its center's managers, its agent."""
    if not user.is_staff or case.center_id != user.center_id:
        return False
    return user.role is Role.MANAGER or case.agent_id == user.id


PREDICATES = {f.__name__: f for f in (can_update_case, can_open_step, can_update_step,
                                       can_withdraw_case, can_edit_project, can_write_internal,
                                       can_export_dossier)}


# --- enterprises: registration, verification, claims, the 2FA reset (auth/, enterprises/,
# admin/verification.py) ---

def member_required(view):
    """View decorator for enterprise users who belong to an enterprise: a registration that
    became a claim has none yet, and may only read its status on the profile page."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.enterprise_id is None:
            flash(_("您的注册正在作为企业认领申请等待服务中心处理，处理通过后才能使用此功能。"), "warning")
            return redirect(url_for("enterprises.profile"))
        return view(*args, **kwargs)
    return wrapped


def own_claims(user):
    """The claims `user` filed (a registration on a USCC already registered): its claimant
    reads their status on the profile page."""
    return select(EnterpriseClaim).where(EnterpriseClaim.claimant_id == user.id)


def visible_pending_claims(user):
    """The undecided claims `user` may decide (those on enterprises of their home center)."""
    return visible_claims(user).where(EnterpriseClaim.outcome == ClaimStatus.PENDING)


def staff_or_404(user, user_id):
    """A staff member (agent or manager) of `user`'s center; anyone else answers 404."""
    return db.first_or_404(select(User).where(
        User.id == user_id, User.role.in_((Role.AGENT, Role.MANAGER)),
        User.center_id == user.center_id))
