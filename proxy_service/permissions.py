"""Who may see and change what: scoped queries, object predicates and role decorators.

Views load objects only through the *_or_404 helpers here, so that another
enterprise's or another center's record answers 404, never 403 with a hint.
"""
from datetime import timedelta
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import false, or_, select
from sqlalchemy.orm import joinedload

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    Absence,
    Case,
    CaseStatus,
    ClaimStatus,
    Document,
    Enterprise,
    EnterpriseClaim,
    MonthlyReport,
    Notification,
    Project,
    Rectification,
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


# --- admin: the manager's pages (staff accounts, catalogue, personal-data requests) ---

STAFF_ROLES = (Role.AGENT, Role.MANAGER)


def visible_staff(user):
    """The staff accounts of the (manager) user's own center."""
    return select(User).where(User.center_id == user.center_id, User.role.in_(STAFF_ROLES))


def staff_or_404(user, staff_id):
    """A staff member of the user's center; anyone else answers 404."""
    return db.first_or_404(visible_staff(user).where(User.id == staff_id))


def visible_catalog(user, model):
    """The approval items or case templates (`model`) of the user's center's catalogue,
    retired ones included."""
    return select(model).where(model.center_id == user.center_id)


def catalog_or_404(user, model, record_id):
    return db.first_or_404(visible_catalog(user, model).where(model.id == record_id))


def visible_people(user):
    """The persons whose personal-data requests the (manager) user's center answers: the
    users of the enterprises registered with it, and those who claimed one of them."""
    home = select(Enterprise.id).where(Enterprise.home_center_id == user.center_id)
    claimants = select(EnterpriseClaim.claimant_id).where(EnterpriseClaim.enterprise_id.in_(home))
    return select(User).where(User.role == Role.ENTERPRISE,
                              or_(User.enterprise_id.in_(home), User.id.in_(claimants)))


def person_or_404(user, person_id):
    return db.first_or_404(visible_people(user).where(User.id == person_id)
                           .options(joinedload(User.enterprise)))


# --- service quality: evaluations, rectifications, absences and substitutes ------------

EVALUATION_EDIT_DAYS = 7   # an enterprise may change its rating this long after giving it


def visible_agents(user):
    """The agents of a staff user's center (inactive ones included): whom absences,
    substitutes and re-assignments name."""
    if not user.is_staff:
        return select(User).where(false())
    return select(User).where(User.center_id == user.center_id, User.role == Role.AGENT)


def visible_absences(user):
    """A manager's center's absences; an agent's own (those the agent covers for a colleague
    are listed to them, but are not theirs to change)."""
    query = select(Absence)
    if user.role is Role.MANAGER:
        return query.where(Absence.center_id == user.center_id)
    if user.role is Role.AGENT:
        return query.where(Absence.agent_id == user.id)
    return query.where(false())


def absence_or_404(user, absence_id, *options):
    return db.first_or_404(visible_absences(user).where(Absence.id == absence_id).options(*options))


def visible_rectifications(user):
    """The center's rectifications for its managers; the enterprise's own (read on its case
    pages); none for agents."""
    query = select(Rectification)
    if user.role is Role.MANAGER:
        return query.where(Rectification.center_id == user.center_id)
    if user.role is Role.ENTERPRISE:
        own_cases = select(Case.id).where(Case.enterprise_id == (user.enterprise_id or -1))
        return query.where(Rectification.case_id.in_(own_cases))
    return query.where(false())


def rectification_or_404(user, rectification_id, *options):
    return db.first_or_404(visible_rectifications(user)
                           .where(Rectification.id == rectification_id).options(*options))


def case_rectification_or_404(user, case_id):
    """The rectification of the case's evaluation (404 when there is none to see)."""
    return db.first_or_404(visible_rectifications(user).where(Rectification.case_id == case_id))


def can_rate(user, case):
    """A user of the case's enterprise, once the case is completed."""
    return (user.role is Role.ENTERPRISE and user.enterprise_id == case.enterprise_id
            and case.status is CaseStatus.COMPLETED)


def evaluation_edit_deadline(evaluation):
    return evaluation.created_at + timedelta(days=EVALUATION_EDIT_DAYS)


def evaluation_editable(evaluation):
    return clock.now() <= evaluation_edit_deadline(evaluation)


def can_edit_evaluation(user, evaluation):
    return can_rate(user, evaluation.case) and evaluation_editable(evaluation)


def can_open_rectification(user, rectification):
    """The center's managers follow its rectifications (the list, one's page)."""
    return user.role is Role.MANAGER and user.center_id == rectification.center_id


def can_respond_to_rectification(user, rectification):
    """Any manager of the center may answer (the assigned one is responsible for it)."""
    return can_open_rectification(user, rectification) and rectification.status.awaits_response


def can_appeal(user, rectification):
    return (user.role is Role.ENTERPRISE and user.enterprise_id == rectification.case.enterprise_id
            and rectification.can_appeal)



# --- notifications: the bell's pages ---------------------------------------------------

def visible_notifications(user):
    """A user's own notifications, newest first."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def notification_or_404(user, notification_id):
    return db.first_or_404(visible_notifications(user).where(Notification.id == notification_id))
