"""Thin views over workflow/webhooks.py; endpoints load through permissions (another owner's
endpoint is 404). A secret is shown on the answer that made it only (never redirected)."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from proxy_service import permissions
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.identity.reauth import reauth_on_form
from proxy_service.models import Role, WebhookDelivery
from proxy_service.webhooks import bp
from proxy_service.webhooks.forms import EndpointForm, NewEndpointForm, RotateForm
from proxy_service.workflow import webhooks

owner_required = permissions.role_required(Role.MANAGER, Role.ENTERPRISE)
LOG_LENGTH = 50


@bp.get("")
@owner_required
def index():
    return _index(NewEndpointForm())


@bp.post("")
@owner_required
def create():
    form = NewEndpointForm()
    if not form.validate_on_submit() or not reauth_on_form(current_user, form):
        return _index(form), 422
    with committing() as outcome:
        endpoint, secret = webhooks.create_endpoint(
            current_user, url=form.url.data, events=form.events.data,
            description=form.description.data or "")
    if outcome.conflict is not None:
        return _index(form), 422
    return _endpoint(endpoint, EndpointForm(obj=None, formdata=None, data=_data(endpoint)),
                     secret=secret)


@bp.get("/<int:endpoint_id>")
@owner_required
def endpoint(endpoint_id):
    found = permissions.endpoint_or_404(current_user, endpoint_id)
    return _endpoint(found, EndpointForm(formdata=None, data=_data(found)))


@bp.post("/<int:endpoint_id>")
@owner_required
def update(endpoint_id):
    found = permissions.endpoint_or_404(current_user, endpoint_id)
    form = EndpointForm()
    if not form.validate_on_submit():
        return _endpoint(found, form), 422
    if attempt(webhooks.update_endpoint, found, current_user, url=form.url.data,
               events=form.events.data, description=form.description.data or "") is not None:
        return _endpoint(found, form), 422
    flash(_("已保存。"), "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=found.id))


@bp.post("/<int:endpoint_id>/rotate")
@owner_required
def rotate(endpoint_id):
    found = permissions.endpoint_or_404(current_user, endpoint_id)
    rotate_form = RotateForm()
    if not rotate_form.validate_on_submit() or not reauth_on_form(current_user, rotate_form):
        return _endpoint(found, EndpointForm(formdata=None, data=_data(found)),
                         rotate_form=rotate_form), 422
    with committing() as outcome:
        secret = webhooks.rotate_secret(found, current_user)
    if outcome.conflict is not None:
        return redirect(url_for("webhooks.endpoint", endpoint_id=found.id))
    return _endpoint(found, EndpointForm(formdata=None, data=_data(found)), secret=secret)


@bp.post("/<int:endpoint_id>/disable")
@owner_required
def disable(endpoint_id):
    return _act(endpoint_id, webhooks.disable_endpoint, _("已保存。"))


@bp.post("/<int:endpoint_id>/enable")
@owner_required
def enable(endpoint_id):
    return _act(endpoint_id, webhooks.enable_endpoint, _("已保存。"))


@bp.post("/<int:endpoint_id>/test")
@owner_required
def test(endpoint_id):
    return _act(endpoint_id, webhooks.send_test_event, _("测试事件已排队，一分钟内发送。"))


@bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/again")
@owner_required
def send_again(endpoint_id, delivery_id):
    found, delivery = permissions.delivery_or_404(current_user, endpoint_id, delivery_id)
    if attempt(webhooks.send_again, delivery, current_user) is None:
        flash(_("已重新排队，一分钟内发送。"), "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=found.id))


def _act(endpoint_id, verb, done):
    found = permissions.endpoint_or_404(current_user, endpoint_id)
    if attempt(verb, found, current_user) is None:
        flash(done, "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=found.id))


def _data(endpoint):
    return {"url": endpoint.url, "description": endpoint.description,
            "events": endpoint.event_list}


def _index(form):
    endpoints = db.session.scalars(permissions.visible_endpoints(current_user)).all()
    return render_template("webhooks/index.html", form=form, endpoints=endpoints)


def _endpoint(endpoint, form, secret=None, rotate_form=None):
    log = db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc()).limit(LOG_LENGTH)).all()
    return render_template("webhooks/endpoint.html", endpoint=endpoint, form=form, log=log,
                           secret=secret, rotate_form=rotate_form or RotateForm(formdata=None))
