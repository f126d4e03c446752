"""Registration, the privacy notice, the enterprise profile and colleagues' logins."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from proxy_service.auth.views import after_password
from proxy_service.core import submit_once
from proxy_service.core.extensions import db
from proxy_service.core.uploads import UploadError
from proxy_service.enterprises import bp, services
from proxy_service.enterprises.access import member_required
from proxy_service.enterprises.forms import (
    ColleagueForm,
    EnterpriseContactForm,
    RegistrationForm,
    center_choices,
)
from proxy_service.models import ClaimStatus, Document, Enterprise, EnterpriseClaim
from proxy_service.permissions import enterprise_or_404, enterprise_required
from proxy_service.workflow import StaleEdit

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
    try:
        user, claim = services.register(form.data, form.licence.data)
        submit_once.lands_at(form, url_for("enterprises.profile"))
        db.session.commit()
    except UploadError as err:
        db.session.rollback()
        return _register_page(form, licence=str(err))
    except IntegrityError:   # the same username taken a moment ago by another request
        db.session.rollback()
        return _register_page(form, username=_("该用户名已被使用，请换一个。"))
    # A new session (or the one-time-code step where the center requires it).
    target = after_password(user, url_for("enterprises.profile"))
    flash(_("注册成功。您的注册已作为企业认领申请提交，服务中心管理员处理后即可使用。") if claim
          else _("注册成功。服务中心管理员核验营业执照后，即可受理您的代办申请。"), "success")
    return redirect(target)


def _register_page(form, **errors):
    for name, message in errors.items():
        form[name].errors = [*form[name].errors, message]
    status = 422 if form.is_submitted() else 200
    return render_template("enterprises/register.html", form=form), status


@bp.get("/privacy")
def privacy():
    return render_template("enterprises/privacy.html")


# --- the profile -----------------------------------------------------------------

@bp.get("/enterprise")
@enterprise_required
def profile():
    if current_user.enterprise_id is None:
        claims = db.session.scalars(select(EnterpriseClaim).where(
            EnterpriseClaim.claimant_id == current_user.id).order_by(EnterpriseClaim.id.desc())).all()
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
    try:
        services.update_contact(enterprise, current_user, form.data, form.version.data)
        db.session.commit()
    except (StaleEdit, StaleDataError):
        db.session.rollback()
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
    try:
        user = services.add_colleague(enterprise, current_user, form.data)
        submit_once.lands_at(form, url_for("enterprises.profile"))
        db.session.commit()
    except IntegrityError:   # the same username taken a moment ago by another request
        db.session.rollback()
        form.username.errors = [*form.username.errors, _("该用户名已被使用，请换一个。")]
        return render_template("enterprises/user_new.html", form=form), 422
    flash(_("已为 %(name)s 创建登录账号 %(username)s。", name=user.name, username=user.username),
          "success")
    return redirect(url_for("enterprises.profile"))


# The project pages live in their own module; importing it registers their routes.
from proxy_service.enterprises import projects  # noqa: E402,F401
