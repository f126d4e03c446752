"""Managers: the center's clause template and who counter-signs; adding items to a case (追加事项).
Enterprises: their electronic company seal image (电子公章)."""
import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from proxy_service.agreements import bp
from proxy_service.agreements.forms import (
    AddItemsForm,
    CountersignForm,
    SealUploadForm,
    TemplateForm,
)
from proxy_service.core import conflicts as versioned
from proxy_service.core.conflicts import attempt, committing
from proxy_service.core.extensions import db
from proxy_service.documents.signature_images import ImageError, seal_from_upload
from proxy_service.models import AgreementTemplate, ApprovalItem, AuditEvent, Enterprise
from proxy_service.permissions import (
    can_update_case,
    case_or_404,
    enterprise_required,
    manager_required,
)
from proxy_service.workflow import agreements as signing
from proxy_service.workflow import supplements

# --- the clause template ----------------------------------------------------------

@bp.route("/agreements/template", methods=["GET", "POST"])
@manager_required
def template():
    center = current_user.center
    current = signing.current_template(center)
    form = TemplateForm(clauses=current.clauses)
    if form.validate_on_submit():
        saved = signing.save_template(center, current_user, form.clauses.data)
        db.session.commit()
        flash(_("协议条款已保存为第 %(v)s 版，此后生成的协议使用新版本。", v=saved.version)
              if saved.id != current.id else _("条款没有变化。"), "success")
        return redirect(url_for(".template"))
    if not form.is_submitted():
        db.session.commit()   # version 1 may just have been created (a refused post keeps nothing)
    role_form = CountersignForm(formdata=None, obj=center)
    return _template_page(current, form, role_form, 422 if form.is_submitted() else 200)


def _template_page(current, form, role_form, status, stale=False):
    versions = db.session.scalars(select(AgreementTemplate).where(
        AgreementTemplate.center_id == current.center_id)
        .order_by(AgreementTemplate.version.desc())).all()
    return render_template("agreements/template.html", form=form, role_form=role_form,
                           versions=versions, current=current, stale=stale), status


@bp.post("/agreements/countersign-role")
@manager_required
def countersign_role():
    center, form = current_user.center, CountersignForm()
    if not form.validate_on_submit():
        return _refused_role_form(center, form, 422)
    if attempt(_save_countersign_role, center, form) is not None:   # another manager saved
        return _refused_role_form(center, versioned.keep_input(form, center), 409, stale=True)
    flash(_("已保存会签人员设置。"), "success")
    return redirect(url_for(".template"))


def _refused_role_form(center, role_form, status, stale=False):
    """The clause page again, its role form showing what was chosen (and why it was refused)."""
    current = signing.current_template(center)
    form = TemplateForm(formdata=None, clauses=current.clauses)
    return _template_page(current, form, role_form, status, stale)


def _save_countersign_role(center, form):
    versioned.save(center, form.version.data, form.apply)
    db.session.add(AuditEvent.record(current_user, center, "template_edit",
                                     comment=f"countersign_role={center.countersign_role}"))


# --- 追加事项 ------------------------------------------------------------------------

@bp.route("/cases/<int:case_id>/add-items", methods=["GET", "POST"])
@login_required
def add_items(case_id):
    case = case_or_404(current_user, case_id)
    if not can_update_case(current_user, case):
        abort(403)
    catalogue = db.session.scalars(select(ApprovalItem).where(
        ApprovalItem.center_id == case.center_id, ApprovalItem.retired.is_(False))
        .order_by(ApprovalItem.sort, ApprovalItem.id)).all()
    offered = supplements.addable_items(case, catalogue)
    form = AddItemsForm(version=str(case.version))
    form.items.choices = [(item.id, _("%(name)s（%(detail)s）", name=item.name, detail=item.stage.label))
                          for item in offered]
    if form.validate_on_submit():
        chosen = [item for item in offered if item.id in set(form.items.data)]
        with committing() as outcome:   # a conflict is flashed; the form is shown again
            covering = supplements.add_items(case, current_user, chosen,
                                             seen_version=form.version.data or None)
        if outcome.conflict is None:
            flash(_added_message(covering), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    status = 422 if form.is_submitted() else 200
    return render_template("agreements/add_items.html", case=case, form=form,
                           allowed=case.status in supplements.ADDABLE), status


def _added_message(covering):
    if covering is None:
        return _("已追加事项，指派代办员后将一并写入代办委托协议。")
    if covering.kind.value == "supplement":
        return _("已追加事项并生成续办委托书 %(n)s，双方签署后方可办理新增事项。", n=covering.number)
    return _("已追加事项，代办委托协议已重新生成，请双方重新签署。")


# --- the enterprise's electronic seal -------------------------------------------------

@bp.post("/enterprise/seal")
@enterprise_required
def upload_seal():
    enterprise = _own_enterprise()
    form = SealUploadForm()
    if not form.validate_on_submit():
        for message in form.seal.errors:
            flash(message, "warning")
        return redirect(url_for("enterprises.profile", _anchor="seal"))
    try:
        enterprise.seal_image = seal_from_upload(form.seal.data)
    except ImageError as err:
        flash(str(err), "warning")
        return redirect(url_for("enterprises.profile", _anchor="seal"))
    db.session.add(AuditEvent.record(current_user, enterprise, "enterprise_seal"))
    db.session.commit()
    flash(_("电子公章已保存；签署协议时可选择加盖。"), "success")
    return redirect(url_for("enterprises.profile", _anchor="seal"))


@bp.get("/enterprise/seal.png")
@enterprise_required
def seal_image():
    enterprise = _own_enterprise()
    if enterprise.seal_image is None:
        abort(404)
    return send_file(io.BytesIO(enterprise.seal_image), mimetype="image/png")


def _own_enterprise():
    if current_user.enterprise_id is None:
        abort(404)
    return db.session.get(Enterprise, current_user.enterprise_id)


@bp.app_context_processor
def _seal_form():
    return {"seal_upload_form": lambda: SealUploadForm(formdata=None)}
