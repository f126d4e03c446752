"""The enterprise's own records (scope cases:read, enterprise tokens): its projects, each
with its cases as the project page lists them, and its profile; and the catalogue of
approval items (any token). A staff token gets 403 on the enterprise's routes, as the pages'
enterprise_required answers staff; a project of another enterprise is 404."""
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from proxy_service import permissions
from proxy_service.api import bp, present, queries, schemas
from proxy_service.api.guard import caller, scope_required
from proxy_service.api.problems import problem, refuse
from proxy_service.core.extensions import db
from proxy_service.models import ApprovalItem, Case, Enterprise, Project

ENTERPRISES_ONLY = _l("只有企业用户的令牌可以读取企业的项目和企业信息。")
NO_ENTERPRISE_YET = _l("您的企业认领申请尚未处理，暂无企业信息。")
PROJECT_OPTIONS = (joinedload(Project.center), joinedload(Project.industry))


def enterprise_caller():
    """The caller when it is an enterprise user; 403 for staff (the pages' enterprise_required)."""
    user = caller()
    if not user.is_enterprise:
        refuse(403, ENTERPRISES_ONLY)
    return user


@bp.route("/projects", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.ProjectList)
def list_projects():
    """企业的项目（The enterprise's projects, newest first）"""
    projects = db.session.scalars(permissions.visible_projects(enterprise_caller())
                                  .options(*PROJECT_OPTIONS).order_by(Project.id.desc())).all()
    return {"items": [present.project_out(project) for project in projects]}


@bp.route("/projects/<int:project_id>", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.ProjectDetail)
def get_project(project_id):
    """项目（A project and its cases, as the project page lists them）"""
    user = enterprise_caller()
    project = permissions.project_or_404(user, project_id)
    cases = db.session.scalars(permissions.visible_cases(user).options(*queries.CASE_OPTIONS)
                               .where(Case.project_id == project.id)
                               .order_by(Case.submitted_at.desc(), Case.id.desc())).all()
    return present.project_out(project, cases)


@bp.route("/profile", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.EnterpriseOut)
def get_profile():
    """企业信息（The enterprise's own profile）"""
    user = enterprise_caller()
    if user.enterprise_id is None:   # a registration waiting as a claim: nothing yet
        return problem(404, NO_ENTERPRISE_YET)
    enterprise = db.session.scalar(permissions.visible_enterprises(user)
                                   .options(joinedload(Enterprise.home_center)))
    return present.enterprise_out(enterprise)


@bp.route("/catalogue", methods=["GET"])
@scope_required("cases:read")
@bp.response(200, schemas.ItemList)
def list_catalogue():
    """事项目录（The approval items in use）

    工作人员：本中心的事项；企业：注册中心及其项目所在中心的事项（the staff's center's; an
    enterprise's home center's and its projects' centers'）。"""
    items = db.session.scalars(permissions.visible_offered_items(caller()).options(
        joinedload(ApprovalItem.center), selectinload(ApprovalItem.prerequisites))
        .order_by(ApprovalItem.center_id, ApprovalItem.sort, ApprovalItem.id)).all()
    return {"items": [present.item_out(item) for item in items]}


