"""The login and logout, changing the password, the confirmation page that exports ask for
(identity/reauth.py) and the health check."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from proxy_service.auth import bp
from proxy_service.auth.forms import ChangePasswordForm, LoginForm
from proxy_service.core import database
from proxy_service.core.conflicts import committing
from proxy_service.core.extensions import db
from proxy_service.core.security import same_site_path
from proxy_service.identity import lockout, sessions
from proxy_service.identity.reauth import (
    ReauthForm,
    needs_code,
    reauth_is_recent,
    remember_reauth,
    verify_reauth,
)
from proxy_service.models import Role

# One message for an unknown user, a wrong password and a locked account: no hint which it was.
LOGIN_FAILED = _l("用户名或密码错误。如连续多次失败，请稍后再试。")


@bp.get("/")
def home():
    """Each role lands on its own start page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    landing = {Role.ENTERPRISE: "cases.index", Role.AGENT: "dashboard.inbox",
               Role.MANAGER: "dashboard.overview"}
    return redirect(url_for(landing[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    with committing():   # keep the failure count whatever happens next
        user = lockout.authenticate(form.username.data.strip(), form.password.data)
    if user is None:
        flash(LOGIN_FAILED, "danger")
        return render_template("auth/login.html", form=form), 401
    return redirect(sessions.after_password(user, same_site_path(request.args.get("next"))))


@bp.post("/logout")
def logout():
    sessions.end()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    code_needed = needs_code(current_user)
    if form.validate_on_submit():
        if verify_reauth(current_user, form.current.data, form.code.data):
            sessions.change_password(current_user, form.new.data)
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return redirect(url_for("auth.home"))
        form.current.errors.append(_("当前密码或动态验证码不正确。") if code_needed
                                   else _("当前密码不正确。"))
    return render_template("auth/password.html", form=form, code_needed=code_needed)


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    """The password (and code) again before an export; then a link to the download, which
    stays open for REAUTH_MINUTES (identity/reauth.py). A link, not a redirect: a redirect that
    ends in a download would leave the user looking at this form as if nothing happened."""
    home = url_for("auth.home")
    next_url = same_site_path(request.args.get("next")) or home
    back_url = same_site_path(request.args.get("back")) or home
    form = ReauthForm()
    if form.validate_on_submit():
        if verify_reauth(current_user, form.password.data, form.code.data):
            with committing():   # the one-time code just given stays used
                remember_reauth()
            return redirect(url_for("auth.confirm", next=next_url, back=back_url))
        form.password.errors.append(_("登录密码或动态验证码不正确。"))
    return render_template("auth/confirm.html", form=form, next_url=next_url, back_url=back_url,
                           confirmed=reauth_is_recent(), code_needed=needs_code(current_user))


@bp.get("/healthz")
def healthz():
    """200 while the database answers (a rate-limit storage that does not answer is
    "degraded", not down: the app works without it); 503 when the database does not."""
    rate_limits = current_app.extensions["rate_limit_health"].state()
    try:
        database.ping(db.engine)
    except Exception:  # any database failure means "not ready", whatever the driver raises
        return {"status": "error", "database": "unavailable", "rate_limit_storage": rate_limits}, 503
    return {"status": "degraded" if rate_limits == "degraded" else "ok", "database": "ok",
            "rate_limit_storage": rate_limits}
