"""Personal-data requests (个人信息查阅、复制、删除): a manager finds the person, exports their
data or erases it; the rules and what is kept are in proxy_service/workflow/personal_data.py."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from proxy_service import permissions
from proxy_service.admin import bp
from proxy_service.admin.people_forms import EraseForm, ExportForm
from proxy_service.auth.reauth import verify_reauth
from proxy_service.core import clock, pagination
from proxy_service.core.conflicts import committing, conflict_message
from proxy_service.core.extensions import db
from proxy_service.models import Document, EnterpriseClaim, Message, Notification, Signature, User
from proxy_service.workflow import personal_data


@bp.get("/admin/people")
@permissions.manager_required
def people():
    term = request.args.get("q", "").strip()[:60]
    query = permissions.visible_people(current_user).options(joinedload(User.enterprise))
    if term:
        query = query.where(or_(User.name.contains(term, autoescape=True),
                                User.username.contains(term, autoescape=True)))
    page = pagination.paginate(query.order_by(User.name, User.id))
    return render_template("admin/people.html", page=page, term=term)


@bp.get("/admin/people/<int:person_id>")
@permissions.manager_required
def person(person_id):
    return _person_page(permissions.person_or_404(current_user, person_id))


@bp.post("/admin/people/<int:person_id>/export")
@permissions.manager_required
def export_person(person_id):
    person = permissions.person_or_404(current_user, person_id)
    form = ExportForm(prefix="export")
    if not _confirmed(form):
        return _person_page(person, 422, export_form=form)
    with committing():   # an export refuses nothing: the audit entry commits with it
        data = personal_data.export(person, current_user, form.reason_text)
    name = f"personal-data-{person.id}-{clock.today():%Y%m%d}.json"
    return Response(data, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/admin/people/<int:person_id>/erase")
@permissions.manager_required
def erase_person(person_id):
    person = permissions.person_or_404(current_user, person_id)
    form = EraseForm(prefix="erase")
    if not _confirmed(form):
        return _person_page(person, 422, erase_form=form)
    with committing(quiet=True) as outcome:
        personal_data.erase(person, current_user, form.reason_text)
    if outcome.conflict is not None:
        for reason in getattr(outcome.conflict, "reasons", [conflict_message(outcome.conflict)]):
            flash(str(reason), "warning")
        return _person_page(person, 409)
    flash(_("已删除 %(name)s 的个人信息，账号已停用；协议、操作日志和案件档案中的姓名依法保留。",
            name=person.name), "success")
    return redirect(url_for("admin.person", person_id=person.id))


def _confirmed(form):
    """The form is valid and the manager proved again who they are (failures count toward
    the lockout, see auth/reauth.py)."""
    if not form.validate_on_submit():
        return False
    if not verify_reauth(current_user, form.password.data, form.code.data):
        form.password.errors.append(_("密码不正确（或动态验证码无效），未执行。"))
        return False
    return True


def _person_page(person, status=200, export_form=None, erase_form=None):
    return render_template(
        "admin/person.html", person=person, held=_held(person),
        reasons=personal_data.retention_reasons(person),
        export_form=export_form or ExportForm(formdata=None, prefix="export"),
        erase_form=erase_form or EraseForm(formdata=None, prefix="erase")), status


def _held(person):
    """How many records of each kind name the person (one query)."""
    def count(model, column):
        return select(func.count(model.id)).where(column == person.id).scalar_subquery()
    row = db.session.execute(select(
        count(Message, Message.author_id), count(Document, Document.uploaded_by_id),
        count(Signature, Signature.user_id), count(Notification, Notification.user_id),
        count(EnterpriseClaim, EnterpriseClaim.claimant_id))).one()
    return dict(zip(("messages", "documents", "signatures", "notifications", "claims"), row,
                    strict=True))
