"""Managers: the center's clause template and who counter-signs; adding items to a case (追加事项).
Enterprises: their electronic company seal image (电子公章)."""
import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from proxy_service.agreements import bp
from proxy_service.agreements.forms import (
    AddItemsForm,
    CountersignForm,
    SealUploadForm,
    TemplateForm,
)
from proxy_service.core.conflicts import attempt, committing, keep_input
from proxy_service.models import AgreementKind
from proxy_service.permissions import (
    can_update_case,
    case_or_404,
    enterprise_or_404,
    enterprise_required,
    manager_required,
)
from proxy_service.workflow import agreement_settings, supplements

# --- the clause template ----------------------------------------------------------

@bp.get("/agreements/template")
@manager_required
def template():
    center = current_user.center
    with committing():   # version 1 (the default text) is made on first use
        current = agreement_settings.current_template(center)
    form = TemplateForm(clauses=current.clauses)
    return _template_page(current, form, CountersignForm(formdata=None, obj=center), 200)


@bp.post("/agreements/template")
@manager_required
def save_template():
    center = current_user.center
    current = agreement_settings.current_template(center)   # a refused post keeps nothing
    form = TemplateForm(clauses=current.clauses)
    if not form.validate_on_submit():
        return _template_page(current, form, CountersignForm(formdata=None, obj=center), 422)
    with committing() as outcome:
        saved = agreement_settings.save_template(center, current_user, form.clauses.data)
    if outcome.conflict is None:
        flash(_("协议条款已保存为第 %(v)s 版，此后生成的协议使用新版本。", v=saved.version)
              if saved.id != current.id else _("条款没有变化。"), "success")
    return redirect(url_for(".template"))


def _template_page(current, form, role_form, status, stale=False):
    versions = agreement_settings.template_versions(current_user.center)
    return render_template("agreements/template.html", form=form, role_form=role_form,
                           versions=versions, current=current, stale=stale), status


@bp.post("/agreements/countersign-role")
@manager_required
def countersign_role():
    center, form = current_user.center, CountersignForm()
    if not form.validate_on_submit():
        return _refused_role_form(center, form, 422)
    if attempt(agreement_settings.set_countersign_role, center, current_user,
               form.countersign_role.data, form.version.data) is not None:   # another manager saved
        return _refused_role_form(center, keep_input(form, center), 409, stale=True)
    flash(_("已保存会签人员设置。"), "success")
    return redirect(url_for(".template"))


def _refused_role_form(center, role_form, status, stale=False):
    """The clause page again, its role form showing what was chosen (and why it was refused)."""
    current = agreement_settings.current_template(center)
    form = TemplateForm(formdata=None, clauses=current.clauses)
    return _template_page(current, form, role_form, status, stale)


# --- 追加事项 ------------------------------------------------------------------------

@bp.route("/cases/<int:case_id>/add-items", methods=["GET", "POST"])
@login_required
def add_items(case_id):
    case = case_or_404(current_user, case_id)
    if not can_update_case(current_user, case):
        abort(403)
    form = AddItemsForm(version=str(case.version))
    form.offer(supplements.addable_items(case))
    if form.validate_on_submit():
        with committing() as outcome:   # a conflict is flashed; the form is shown again
            covering = supplements.add_items(case, current_user, form.chosen(),
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
    if covering.kind is AgreementKind.SUPPLEMENT:
        return _("已追加事项并生成续办委托书 %(n)s，双方签署后方可办理新增事项。", n=covering.number)
    return _("已追加事项，代办委托协议已重新生成，请双方重新签署。")


# --- the enterprise's electronic seal -------------------------------------------------

@bp.post("/enterprise/seal")
@enterprise_required
def upload_seal():
    enterprise = enterprise_or_404(current_user, current_user.enterprise_id)
    form = SealUploadForm()
    if not form.validate_on_submit():
        for message in form.seal.errors:
            flash(message, "warning")
    elif attempt(agreement_settings.save_enterprise_seal, enterprise, current_user,
                 form.seal_png) is None:
        flash(_("电子公章已保存；签署协议时可选择加盖。"), "success")
    return redirect(url_for("enterprises.profile", _anchor="seal"))


@bp.get("/enterprise/seal.png")
@enterprise_required
def seal_image():
    enterprise = enterprise_or_404(current_user, current_user.enterprise_id)
    if enterprise.seal_image is None:
        abort(404)
    return send_file(io.BytesIO(enterprise.seal_image), mimetype="image/png")


@bp.app_context_processor
def _seal_form():
    # A form factory, no query: the enterprise profile page includes the seal card.
    return {"seal_upload_form": lambda: SealUploadForm(formdata=None)}
