"""The bell's pages: my notifications, mark read, and my delivery preferences."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from proxy_service.core import pagination as queries
from proxy_service.core.conflicts import attempt
from proxy_service.core.extensions import db
from proxy_service.core.security import same_site_path
from proxy_service.identity.reauth import reauth_on_form
from proxy_service.models import Notification
from proxy_service.notifications import bp, inbox
from proxy_service.notifications.forms import ContactForm, PreferencesForm
from proxy_service.notifications.rules import KIND_TITLES


@bp.app_context_processor
def bell():
    # A function, not a number: the count query runs only when base.html shows the bell.
    return {"unread_notifications": lambda: inbox.unread_count(current_user)}


@bp.get("/notifications")
@login_required
def index():
    query = inbox.own(current_user)
    unread_only = request.args.get("unread") == "1"
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return render_template("notifications/index.html", page=queries.paginate(query),
                           unread_only=unread_only, titles=KIND_TITLES)


def _own_or_404(notification_id):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id):
    """Mark one read; with open=1 go on to what it is about."""
    notification = _own_or_404(notification_id)
    inbox.mark_read(notification)
    db.session.commit()
    if request.form.get("open") == "1" and same_site_path(notification.url):
        return redirect(notification.url)
    return redirect(url_for("notifications.index", page=request.form.get("page", type=int)))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    count = inbox.mark_all_read(current_user)
    db.session.commit()
    flash(ngettext("已将 %(num)s 条通知标为已读。", "已将 %(num)s 条通知标为已读。", count), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = PreferencesForm(obj=current_user)
    addresses = inbox.addresses(current_user)
    if form.validate_for(addresses):
        if attempt(inbox.set_preferences, current_user, email=form.notify_email.data,
                   sms=form.notify_sms.data) is None:
            flash(_("通知设置已保存。"), "success")
            return redirect(url_for("notifications.settings"))
    form.show_reachable(addresses)
    status = 422 if form.errors else 200
    return render_template("notifications/settings.html", form=form, addresses=addresses), status


@bp.route("/notifications/contact", methods=["GET", "POST"])
@login_required
def contact():
    """The user's own e-mail address and mobile, where notifications go (an agent's mobile is
    also printed on later agreements): saved only with the password (and code) again, asked
    on this form (identity/reauth.py)."""
    form = ContactForm(obj=current_user)
    if form.validate_on_submit() and reauth_on_form(current_user, form):
        if attempt(inbox.set_contact, current_user, current_user, email=form.email.data or "",
                   phone=form.phone.data or "") is None:
            flash(_("联系方式已保存。"), "success")
            return redirect(url_for("notifications.settings"))
    enterprise = current_user.enterprise
    return render_template("notifications/contact.html", form=form,
                           fallback=enterprise.mobile if enterprise is not None else ""), \
        422 if form.is_submitted() else 200
