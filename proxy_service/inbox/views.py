"""The bell's pages: my notifications, mark read, and my delivery preferences."""
from flask import (
    before_render_template,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from proxy_service import permissions
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.pagination import paginate
from proxy_service.core.security import same_site_path
from proxy_service.core.words import Translated
from proxy_service.identity.reauth import reauth_on_form
from proxy_service.inbox import bp
from proxy_service.inbox.forms import ContactForm, PreferencesForm
from proxy_service.models import Notification
from proxy_service.notifications.inbox import (
    addresses,
    mark_all_read,
    mark_read,
    set_contact,
    set_preferences,
    unread_count,
)
from proxy_service.notifications.rules import KIND_TITLES


@bp.record_once
def _count_for_pages(state):
    before_render_template.connect(bell, state.app)


def bell(app, template, context, **_extra):
    """The bell's number for base.html (every page extends it), counted before the page
    renders: the template receives a number, no context processor queries. One query per
    request (notifications.inbox.unread_count keeps it), none for an anonymous visitor."""
    if has_request_context() and current_user.is_authenticated:
        context["unread_notifications"] = unread_count(current_user)


@bp.get("/notifications")
@login_required
def index():
    query = permissions.visible_notifications(current_user)
    unread_only = request.args.get("unread") == "1"
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return render_template("notifications/index.html", page=paginate(query),
                           unread_only=unread_only, titles=Translated(KIND_TITLES))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id):
    """Mark one read; with open=1 go on to what it is about."""
    notification = permissions.notification_or_404(current_user, notification_id)
    attempt(mark_read, notification)
    if request.form.get("open") == "1" and same_site_path(notification.url):
        return redirect(request.script_root + notification.url)   # stored app-relative
    return redirect(url_for("notifications.index", page=request.form.get("page", type=int)))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    with committing() as outcome:
        count = mark_all_read(current_user)
    if outcome.conflict is None:
        flash(ngettext("已将 %(num)s 条通知标为已读。", "已将 %(num)s 条通知标为已读。", count),
              "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = PreferencesForm(obj=current_user)
    reachable = addresses(current_user)
    if form.validate_for(reachable) and attempt(
            set_preferences, current_user, email=form.notify_email.data,
            sms=form.notify_sms.data) is None:
        flash(_("通知设置已保存。"), "success")
        return redirect(url_for("notifications.settings"))
    form.show_reachable(reachable)
    status = 422 if form.errors else 200
    return render_template("notifications/settings.html", form=form, addresses=reachable), status


@bp.route("/notifications/contact", methods=["GET", "POST"])
@login_required
def contact():
    """The user's own e-mail address and mobile, where notifications go (an agent's mobile is
    also printed on later agreements): saved only with the password (and code) again, asked
    on this form (identity/reauth.py)."""
    form = ContactForm(obj=current_user)
    if form.validate_on_submit() and reauth_on_form(current_user, form) and attempt(
            set_contact, current_user, current_user, email=form.email.data or "",
            phone=form.phone.data or "") is None:
        flash(_("联系方式已保存。"), "success")
        return redirect(url_for("notifications.settings"))
    enterprise = current_user.enterprise
    return render_template("notifications/contact.html", form=form,
                           fallback=enterprise.mobile if enterprise is not None else ""), \
        422 if form.is_submitted() else 200
