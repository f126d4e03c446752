from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..models import Role, User
from . import bp
from .forms import ChangePasswordForm, LoginForm


@bp.get("/")
def home():
    """Each role lands on its own start page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    landing = {Role.ENTERPRISE: "cases.index", Role.AGENT: "dashboard.inbox",
               Role.MANAGER: "dashboard.requests"}
    return redirect(url_for(landing[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        # One message for an unknown user and a wrong password: no hint which it was.
        if user is None or not user.active or not user.check_password(form.password.data):
            flash(_("用户名或密码错误。"), "danger")
            return render_template("auth/login.html", form=form), 401
        session.clear()
        login_user(user)
        return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
    return render_template("auth/login.html", form=form)


def _safe_next(target):
    # Only same-site paths: an open redirect would help phishing.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("当前密码不正确。"))
        else:
            current_user.set_password(form.new.data)
            db.session.commit()
            flash(_("密码已修改。"), "success")
            return redirect(url_for("auth.home"))
    return render_template("auth/password.html", form=form)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(select(1))
    except Exception:  # any database failure means "not ready", whatever the driver raises
        db.session.rollback()
        return {"status": "error", "database": "unavailable"}, 503
    return {"status": "ok", "database": "ok"}
