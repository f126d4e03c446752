"""Service quality: evaluations (好差评), rectifications (整改), absences and substitutes."""
from datetime import timedelta

from sqlalchemy import false, select

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import Absence, Case, CaseStatus, Rectification, Role, User

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
