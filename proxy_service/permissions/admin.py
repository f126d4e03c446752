"""The manager's pages: staff accounts, the catalogue, personal-data requests."""
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from proxy_service.core.extensions import db
from proxy_service.models import ApprovalItem, Enterprise, EnterpriseClaim, Project, Role, User

STAFF_ROLES = (Role.AGENT, Role.MANAGER)


def visible_staff(user):
    """The staff accounts of the (manager) user's own center (not its service user: it is
    no person, workflow/center_tokens.py)."""
    return select(User).where(User.center_id == user.center_id, User.role.in_(STAFF_ROLES),
                              User.service.is_(False))


def staff_or_404(user, staff_id):
    """A staff member of the user's center; anyone else answers 404."""
    return db.first_or_404(visible_staff(user).where(User.id == staff_id))


def visible_catalog(user, model):
    """The approval items or case templates (`model`) of the user's center's catalogue,
    retired ones included."""
    return select(model).where(model.center_id == user.center_id)


def visible_offered_items(user):
    """The approval items in use (not retired) that `user` works with: the staff's center's,
    or those of an enterprise's home center and of the centers its projects are with."""
    if user.role is Role.ENTERPRISE:
        enterprise_id = user.enterprise_id or -1
        home = select(Enterprise.home_center_id).where(Enterprise.id == enterprise_id)
        projects = select(Project.center_id).where(Project.enterprise_id == enterprise_id)
        where = ApprovalItem.center_id.in_(home.union(projects))
    else:
        where = ApprovalItem.center_id == user.center_id
    return select(ApprovalItem).where(where, ApprovalItem.retired.is_(False))


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
