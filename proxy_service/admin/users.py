"""Staff accounts of the manager's own center: list, create, activate and deactivate."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from proxy_service import permissions
from proxy_service.admin import bp
from proxy_service.admin.forms import UserForm
from proxy_service.core import pagination as queries
from proxy_service.core import submit_once
from proxy_service.core.extensions import db
from proxy_service.core.i18n import in_record_language
from proxy_service.models import OPEN_CASE_STATUSES, AuditEvent, Case, Role, User

STAFF_ROLES = (Role.AGENT, Role.MANAGER)


def staff_or_404(user_id):
    """A staff member of the manager's center; anyone else answers 404."""
    return db.first_or_404(select(User).where(User.id == user_id, User.role.in_(STAFF_ROLES),
                                              User.center_id == current_user.center_id))


@bp.get("/admin/users")
@permissions.manager_required
def users():
    page = queries.paginate(select(User).where(User.center_id == current_user.center_id,
                                               User.role.in_(STAFF_ROLES))
                            .order_by(User.active.desc(), User.role, User.name, User.id))
    return render_template("admin/users.html", page=page)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@permissions.manager_required
def new_user():
    form = UserForm()
    if not form.validate_on_submit():
        return render_template("admin/user_form.html", form=form), 422 if form.is_submitted() else 200
    submit_once.claim(form)
    user = form.build(current_user.center_id)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:   # the same username taken a moment ago by another request
        db.session.rollback()
        form.username.errors = [*form.username.errors, _("该用户名已被使用。")]
        return render_template("admin/user_form.html", form=form), 422
    db.session.add(AuditEvent.record(current_user, user, "user_create",  # i18n-keep: audit record
                                     comment=f"{user.username}（{in_record_language(user.role.label)}）"))
    submit_once.lands_at(form, url_for("admin.users"))
    db.session.commit()
    flash(_("已创建账号“%(username)s”。", username=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<int:user_id>/activate")
@permissions.manager_required
def activate_user(user_id):
    user = staff_or_404(user_id)
    _set_active(user, True)
    flash(_("已启用账号“%(username)s”。", username=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<int:user_id>/deactivate")
@permissions.manager_required
def deactivate_user(user_id):
    user = staff_or_404(user_id)
    if user.id == current_user.id:
        flash(_("不能停用自己的账号。"), "warning")
        return redirect(url_for("admin.users"))
    _set_active(user, False)
    flash(_("已停用账号“%(username)s”，该用户将无法登录。", username=user.username), "success")
    open_cases = db.session.scalar(select(func.count(Case.id)).where(
        Case.agent_id == user.id, Case.status.in_(OPEN_CASE_STATUSES)))
    if open_cases:
        flash(ngettext("该代办员仍负责 %(num)s 个未办结的案件，请尽快改派。",
                       "该代办员仍负责 %(num)s 个未办结的案件，请尽快改派。", open_cases), "warning")
    return redirect(url_for("admin.users"))


def _set_active(user, active):
    user.active = active
    db.session.add(AuditEvent.record(current_user, user,
                                     "user_activate" if active else "user_deactivate",
                                     comment=user.username))
    db.session.commit()
