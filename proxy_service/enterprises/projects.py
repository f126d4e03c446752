"""An enterprise's investment projects: list, create, read, edit."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from proxy_service.core import submit_once
from proxy_service.core.conflicts import committing
from proxy_service.core.extensions import db
from proxy_service.core.i18n import join_list
from proxy_service.core.pagination import paginate
from proxy_service.enterprises import bp
from proxy_service.enterprises.project_forms import NewProjectForm, ProjectForm
from proxy_service.models import OPEN_CASE_STATUSES, Case, Project
from proxy_service.permissions import (
    can_edit_project,
    enterprise_required,
    member_required,
    project_or_404,
    visible_cases,
    visible_projects,
)
from proxy_service.workflow import enterprises

LIST_OPTIONS = (joinedload(Project.center), joinedload(Project.industry))


@bp.get("/projects")
@enterprise_required
def projects():
    page = paginate(visible_projects(current_user).options(*LIST_OPTIONS)
                    .order_by(Project.id.desc()))
    return render_template("enterprises/projects.html", page=page,
                           open_cases=_open_cases([p.id for p in page.items]))


def _open_cases(project_ids):
    """{project id: its open case} in one query (at most one open case per project)."""
    if not project_ids:
        return {}
    cases = db.session.scalars(visible_cases(current_user).where(
        Case.project_id.in_(project_ids), Case.status.in_(OPEN_CASE_STATUSES))).all()
    return {case.project_id: case for case in cases}


@bp.route("/projects/new", methods=["GET", "POST"])
@enterprise_required
@member_required
def new_project():
    form = NewProjectForm()
    if not form.is_submitted():
        form.center_id.data = current_user.enterprise.home_center_id
    if not form.validate_on_submit():
        return _form_page(form, None)
    submit_once.claim(form)
    with committing():
        project = enterprises.create_project(current_user.enterprise, current_user, form.values())
        target = submit_once.lands_at(form, url_for("enterprises.project", project_id=project.id))
    flash(_("项目已创建。"), "success")
    return redirect(target)


@bp.get("/projects/<int:project_id>")
@enterprise_required
def project(project_id):
    project = project_or_404(current_user, project_id)
    cases = db.session.scalars(visible_cases(current_user).where(Case.project_id == project.id)
                               .order_by(Case.submitted_at.desc(), Case.id.desc())).all()
    has_open = any(case.is_open for case in cases)
    return render_template("enterprises/project.html", project=project, cases=cases,
                           has_open=has_open)


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@enterprise_required
def edit_project(project_id):
    # No member_required: a login without an enterprise sees no project, so it gets the 404
    # any outsider gets (its claim-pending redirect is for pages that address no object).
    project = project_or_404(current_user, project_id)
    if not can_edit_project(current_user, project):
        abort(403)
    # On POST only the submitted values count: a missing version must read as stale.
    form = ProjectForm(obj=None if request.method == "POST" else project)
    if form.is_submitted() and form.version.data != str(project.version):
        return _stale(project)
    frozen = enterprises.has_open_case(project)
    refused = form.freeze(project, Project.CASE_FIELDS) if frozen else []
    if not form.validate_on_submit():
        return _form_page(form, project, frozen)
    _say_kept(refused)
    with committing(quiet=True) as outcome:
        enterprises.update_project(project, current_user, form.values(), form.version.data)
    if outcome.conflict is not None:
        return _stale(project)
    flash(_("项目信息已保存。"), "success")
    return redirect(url_for("enterprises.project", project_id=project.id))


def _say_kept(refused):
    """The case's fields the user changed while a case is open: kept as they were."""
    if refused:
        flash(_("该项目有进行中的代办案件，以下内容不能修改，已保留原值：%(fields)s。",
                fields=join_list(refused)), "warning")


def _stale(project):
    """Show what is saved now; the submitted values are dropped, nothing was overwritten."""
    flash(_("该项目在您编辑期间已被修改，您的修改未保存。下面是当前内容，请核对后重新提交。"), "warning")
    form = ProjectForm(formdata=None, obj=project)
    frozen = enterprises.has_open_case(project)
    if frozen:
        form.freeze(project, Project.CASE_FIELDS)
    return _form_page(form, project, frozen, status=409)


def _form_page(form, project, frozen=False, status=None):
    if status is None:
        status = 422 if form.is_submitted() else 200
    return render_template("enterprises/project_form.html", form=form, project=project,
                           frozen=frozen, frozen_fields=Project.CASE_FIELDS), status
