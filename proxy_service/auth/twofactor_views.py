"""The one-time-code step of the login, enrolling an authenticator, recovery codes, and the
managers' switches (center policy, resetting a colleague's authenticator)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proxy_service import permissions
from proxy_service.auth import bp, lockout, sessions, twofactor
from proxy_service.auth.forms import CenterSecurityForm, CodeForm, EnrolForm, ReauthForm
from proxy_service.auth.reauth import verify_reauth
from proxy_service.auth.views import LOGIN_FAILED
from proxy_service.core import conflicts as versioned
from proxy_service.core.conflicts import attempt
from proxy_service.core.extensions import db
from proxy_service.core.security import same_site_path
from proxy_service.models import AuditEvent


def _back_to_login():
    sessions.clear_pending()
    flash(_("登录已过期，请重新登录。"), "warning")
    return redirect(url_for("auth.login"))


def _refused(user, form):
    """A wrong code: counted like a wrong password; the lock ends the attempt."""
    if lockout.is_locked(user) or lockout.record_failure(user):
        db.session.commit()
        sessions.clear_pending()
        flash(LOGIN_FAILED, "danger")
        return redirect(url_for("auth.login"))
    db.session.commit()
    form.code.errors.append(_("验证码不正确或已使用过，请重新输入。"))
    return None


def _finish_login(user):
    next_url = same_site_path(sessions.pending_next())   # checked again: the cookie may be older
    lockout.record_success(user)
    sessions.start(user)
    db.session.commit()
    return next_url or url_for("auth.home")


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user = sessions.pending_user()
    if user is None:
        return _back_to_login()
    if not twofactor.enrolled(user):
        return redirect(url_for("auth.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        if not lockout.is_locked(user) and twofactor.verify_code(user, form.code.data):
            return redirect(_finish_login(user))
        refused = _refused(user, form)
        if refused is not None:
            return refused
        return render_template("auth/code.html", form=form), 401
    return render_template("auth/code.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """Staff (and enterprises where required) bind an authenticator before anything else."""
    user = sessions.pending_user()
    if user is None:
        return _back_to_login()
    if twofactor.enrolled(user):
        return redirect(url_for("auth.login_code"))
    form = EnrolForm()
    secret = twofactor.enrolment_secret(user)
    db.session.commit()
    if form.validate_on_submit():
        codes = None if lockout.is_locked(user) else twofactor.confirm_enrolment(user, form.code.data)
        if codes:
            lockout.security_event("2fa_enrolled", user_id=user.id)
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=_finish_login(user))
        refused = _refused(user, form)
        if refused is not None:
            return refused
    return _enrol_page(user, secret, form)


def _enrol_page(user, secret, form):
    uri = twofactor.provisioning_uri(user, secret)
    status = 401 if form.code.errors else 200
    return render_template("auth/enrol.html", form=form, qr=twofactor.qr_data_uri(uri),
                           secret=twofactor.grouped(secret), user=user), status


@bp.get("/account/security")
@login_required
def account_security():
    return render_template("auth/security.html", form=ReauthForm(),
                           enrolled=twofactor.enrolled(current_user),
                           remaining=len(twofactor.unused_recovery_codes(current_user)))


@bp.post("/account/recovery-codes")
@login_required
def new_recovery_codes():
    """Ten new recovery codes (the old ones stop working); password and code again."""
    form = ReauthForm()
    if not twofactor.enrolled(current_user):
        return redirect(url_for("auth.account_security"))
    if not form.validate_on_submit() or not verify_reauth(current_user, form.password.data,
                                                          form.code.data):
        db.session.commit()
        flash(_("登录密码或动态验证码不正确。"), "danger")
        return redirect(url_for("auth.account_security"))
    codes = twofactor.new_recovery_codes(current_user)
    db.session.commit()
    lockout.security_event("recovery_codes_renewed", user_id=current_user.id)
    return render_template("auth/recovery_codes.html", codes=codes,
                           next_url=url_for("auth.account_security"))


@bp.route("/manage/security", methods=["GET", "POST"])
@permissions.manager_required
def center_security():
    """The manager decides whether the center's enterprises log in with a code too."""
    center = current_user.center
    form = CenterSecurityForm(obj=center)
    if not form.validate_on_submit():
        return (render_template("auth/center_security.html", form=form, center=center),
                422 if form.is_submitted() else 200)
    if attempt(_save_policy, center, form) is not None:   # another manager saved meanwhile
        return render_template("auth/center_security.html", center=center, stale=True,
                               form=versioned.keep_input(form, center)), 409
    flash(_("安全设置已保存。"), "success")
    return redirect(url_for("auth.center_security"))


def _save_policy(center, form):
    versioned.save(center, form.version.data, form.apply)
    db.session.add(AuditEvent.record(current_user, center, "center_2fa_policy",
                                     comment="on" if center.require_enterprise_2fa else "off"))


@bp.post("/admin/users/<int:user_id>/reset-2fa")
@permissions.manager_required
def reset_2fa(user_id):
    """A colleague lost the phone and the recovery codes: the next login enrols again."""
    user = permissions.staff_or_404(current_user, user_id)
    twofactor.reset(user)
    user.rotate_session_token()
    db.session.add(AuditEvent.record(current_user, user, "user_2fa_reset", comment=user.username))
    db.session.commit()
    flash(_("已重置“%(username)s”的动态口令，该用户下次登录时需重新绑定。", username=user.username),
          "success")
    return redirect(url_for("admin.users"))
