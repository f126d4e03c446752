"""Registration, the privacy notice, the enterprise profile and colleagues' logins."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from proxy_service.core import submit_once
from proxy_service.core.conflicts import committing, conflict_message
from proxy_service.core.extensions import db
from proxy_service.enterprises import bp
from proxy_service.enterprises.forms import (
    ColleagueForm,
    EnterpriseContactForm,
    RegistrationForm,
    center_choices,
)
from proxy_service.identity import sessions
from proxy_service.models import ClaimStatus, Document, Enterprise, EnterpriseClaim
from proxy_service.permissions import (
    enterprise_or_404,
    enterprise_required,
    member_required,
    own_claims,
)
from proxy_service.workflow import enterprises

# --- registration ----------------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.home"))
    form = RegistrationForm()
    form.home_center_id.choices = center_choices()
    if not form.validate_on_submit():
        return _register_page(form)
    submit_once.claim(form)
    with committing(quiet=True) as outcome:
        user, claim = enterprises.register(form.data, form.licence.data)
        submit_once.lands_at(form, url_for("enterprises.profile"))
    if outcome.conflict is not None:
        return _register_page(form, outcome.conflict)
    # A new session (or the one-time-code step where the center requires it).
    target = sessions.after_password(user, url_for("enterprises.profile"))
    flash(_("注册成功。您的注册已作为企业认领申请提交，服务中心管理员处理后即可使用。") if claim
          else _("注册成功。服务中心管理员核验营业执照后，即可受理您的代办申请。"), "success")
    return redirect(target)


def _register_page(form, refused=None):
    _show_on_field(form, refused)
    status = 422 if form.is_submitted() else 200
    return render_template("enterprises/register.html", form=form), status


def _show_on_field(form, refused):
    """A save refused after the form validated (workflow.enterprises.RefusedField): its
    message goes under the field it is about (any other conflict above the form)."""
    if refused is None:
        return
    if getattr(refused, "field", None) is None:
        flash(conflict_message(refused), "warning")
        return
    form[refused.field].errors = [*form[refused.field].errors, str(refused)]


@bp.get("/privacy")
def privacy():
    return render_template("enterprises/privacy.html")


# --- the profile -----------------------------------------------------------------

@bp.get("/enterprise")
@enterprise_required
def profile():
    if current_user.enterprise_id is None:
        claims = db.session.scalars(own_claims(current_user)
                                    .order_by(EnterpriseClaim.id.desc())).all()
        return render_template("enterprises/claim_pending.html", claims=claims)
    enterprise = db.session.scalar(select(Enterprise).options(
        joinedload(Enterprise.home_center), selectinload(Enterprise.users))
        .where(Enterprise.id == current_user.enterprise_id))
    return render_template("enterprises/profile.html", enterprise=enterprise,
                           licences=_licences(enterprise))


def _licences(enterprise):
    # A claimant's licence is filed under the enterprise it claims, for the managers only:
    # it is not the enterprise's own document until the claim is approved.
    claimed = select(EnterpriseClaim.licence_document_id).where(
        EnterpriseClaim.enterprise_id == enterprise.id,
        EnterpriseClaim.outcome != ClaimStatus.APPROVED,
        EnterpriseClaim.licence_document_id.is_not(None))
    return db.session.scalars(select(Document).where(
        Document.enterprise_id == enterprise.id, Document.kind == "licence",
        Document.case_id.is_(None), Document.id.not_in(claimed))
        .order_by(Document.id.desc())).all()


@bp.route("/enterprise/edit", methods=["GET", "POST"])
@enterprise_required
@member_required
def edit_profile():
    enterprise = enterprise_or_404(current_user, current_user.enterprise_id)
    form = EnterpriseContactForm(obj=enterprise)
    if not form.validate_on_submit():
        return render_template("enterprises/edit.html", form=form, enterprise=enterprise), \
            422 if form.is_submitted() else 200
    with committing(quiet=True) as outcome:
        enterprises.update_contact(enterprise, current_user, form.data, form.version.data)
    if outcome.conflict is not None:
        flash(_("企业信息在您编辑期间已被修改，未保存。下面是当前内容，请核对后重新提交。"), "warning")
        fresh = EnterpriseContactForm(formdata=None, obj=enterprise)
        return render_template("enterprises/edit.html", form=fresh, enterprise=enterprise), 409
    flash(_("企业联系信息已更新。"), "success")
    return redirect(url_for("enterprises.profile"))


@bp.route("/enterprise/users/new", methods=["GET", "POST"])
@enterprise_required
@member_required
def new_user():
    enterprise = enterprise_or_404(current_user, current_user.enterprise_id)
    form = ColleagueForm()
    if not form.validate_on_submit():
        return render_template("enterprises/user_new.html", form=form), \
            422 if form.is_submitted() else 200
    submit_once.claim(form)
    with committing(quiet=True) as outcome:
        user = enterprises.add_colleague(enterprise, current_user, form.data)
        submit_once.lands_at(form, url_for("enterprises.profile"))
    if outcome.conflict is not None:
        _show_on_field(form, outcome.conflict)
        return render_template("enterprises/user_new.html", form=form), 422
    flash(_("已为 %(name)s 创建登录账号 %(username)s。", name=user.name, username=user.username),
          "success")
    return redirect(url_for("enterprises.profile"))


# The project pages live in their own module; importing it registers their routes.
from proxy_service.enterprises import projects  # noqa: E402,F401
