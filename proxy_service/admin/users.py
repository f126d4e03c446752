"""Staff accounts of the manager's own center: list, create, activate and deactivate."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from proxy_service import permissions
from proxy_service.admin import bp
from proxy_service.admin.forms import UserForm
from proxy_service.core import pagination, submit_once
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.models import OPEN_CASE_STATUSES, Case, User
from proxy_service.workflow import accounts


@bp.get("/admin/users")
@permissions.manager_required
def users():
    page = pagination.paginate(permissions.visible_staff(current_user)
                               .order_by(User.active.desc(), User.role, User.name, User.id))
    return render_template("admin/users.html", page=page)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@permissions.manager_required
def new_user():
    form = UserForm()
    if not form.validate_on_submit():
        return render_template("admin/user_form.html", form=form), 422 if form.is_submitted() else 200
    submit_once.claim(form)
    with committing(quiet=True) as outcome:
        user = accounts.open_account(form.build(current_user.center_id), current_user)
        submit_once.lands_at(form, url_for("admin.users"))
    if outcome.conflict is not None:   # the same username taken a moment ago by another request
        form.username.errors = [*form.username.errors, str(outcome.conflict)]
        return render_template("admin/user_form.html", form=form), 422
    flash(_("已创建账号“%(username)s”。", username=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<int:user_id>/activate")
@permissions.manager_required
def activate_user(user_id):
    return _account_change(user_id, accounts.activate_account, _l("已启用账号“%(username)s”。"))


@bp.post("/admin/users/<int:user_id>/deactivate")
@permissions.manager_required
def deactivate_user(user_id):
    return _account_change(user_id, accounts.deactivate_account,
                           _l("已停用账号“%(username)s”，该用户将无法登录。"))


def _account_change(user_id, verb, done):
    """Run `verb(user, actor)` on a staff member of the center, say `done` unless it was
    refused; a deactivated agent's open cases are named for re-assignment."""
    user = permissions.staff_or_404(current_user, user_id)
    if attempt(verb, user, current_user) is None:
        flash(done % {"username": user.username}, "success")
        if not user.active and (open_cases := _open_cases(user)):
            flash(ngettext("该代办员仍负责 %(num)s 个未办结的案件，请尽快改派。",
                           "该代办员仍负责 %(num)s 个未办结的案件，请尽快改派。", open_cases), "warning")
    return redirect(url_for("admin.users"))


def _open_cases(agent):
    return db.session.scalar(select(func.count(Case.id)).where(
        Case.agent_id == agent.id, Case.status.in_(OPEN_CASE_STATUSES)))
