"""Enterprises, their projects and USCC claims: who sees them and who may change them."""
from sqlalchemy import false, select

from proxy_service.core.extensions import db
from proxy_service.models import Case, Enterprise, EnterpriseClaim, Project, Role


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


def project_or_404(user, project_id):
    return db.first_or_404(visible_projects(user).where(Project.id == project_id))


def claim_or_404(user, claim_id):
    return db.first_or_404(visible_claims(user).where(EnterpriseClaim.id == claim_id))


def enterprise_or_404(user, enterprise_id):
    return db.first_or_404(visible_enterprises(user).where(Enterprise.id == enterprise_id))


def can_edit_project(user, project):
    return user.role is Role.ENTERPRISE and project.enterprise_id == user.enterprise_id
