"""The center's catalogue: approval items (审批事项) and case templates (事项模板).

Items and templates are retired, never deleted: old cases keep pointing at them.
"""
from itertools import groupby

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case as when
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from proxy_service import permissions
from proxy_service.admin import bp
from proxy_service.admin.common import attempt
from proxy_service.admin.forms import ItemForm, TemplateForm
from proxy_service.core import conflicts as versioned
from proxy_service.core import pagination as queries
from proxy_service.core import submit_once
from proxy_service.core.extensions import db
from proxy_service.models import ApprovalItem, AuditEvent, CaseTemplate, Stage

STAGE_ORDER = when({stage.value: stage.order for stage in Stage}, value=ApprovalItem.stage)


def _scoped(model, object_id):
    """An item or template of the manager's own center; any other answers 404."""
    return db.first_or_404(select(model).where(model.id == object_id,
                                               model.center_id == current_user.center_id))


def _record(obj, comment):
    db.session.add(AuditEvent.record(current_user, obj, "catalog_edit", comment=comment))


# --- approval items -------------------------------------------------------------

@bp.get("/admin/items")
@permissions.manager_required
def items():
    page = queries.paginate(select(ApprovalItem)
                            .where(ApprovalItem.center_id == current_user.center_id)
                            .options(selectinload(ApprovalItem.prerequisites))
                            .order_by(STAGE_ORDER, ApprovalItem.sort, ApprovalItem.id))
    groups = [(stage, list(rows)) for stage, rows in groupby(page.items, key=lambda i: i.stage)]
    return render_template("admin/items.html", page=page, groups=groups)


@bp.route("/admin/items/new", methods=["GET", "POST"])
@permissions.manager_required
def new_item():
    form = ItemForm(current_user.center_id)
    if not form.validate_on_submit():
        return render_template("admin/item_form.html", form=form), 422 if form.is_submitted() else 200
    submit_once.claim(form)
    item = ApprovalItem()
    form.apply(item)
    db.session.add(item)
    db.session.flush()
    _record(item, _("新增事项：%(name)s", name=item.name))
    submit_once.lands_at(form, url_for("admin.items"))
    db.session.commit()
    flash(_("已新增事项“%(name)s”。", name=item.name), "success")
    return redirect(url_for("admin.items"))


@bp.route("/admin/items/<int:item_id>/edit", methods=["GET", "POST"])
@permissions.manager_required
def edit_item(item_id):
    item = _scoped(ApprovalItem, item_id)
    form = ItemForm(current_user.center_id, item)
    if not form.validate_on_submit():
        return (render_template("admin/item_form.html", form=form, item=item),
                422 if form.is_submitted() else 200)
    if attempt(_save_item, item, form) is not None:   # someone saved it meanwhile
        return render_template("admin/item_form.html", form=versioned.keep_input(form, item),
                               item=item, stale=True), 409
    flash(_("已保存事项“%(name)s”。", name=item.name), "success")
    return redirect(url_for("admin.items"))


def _save_item(item, form):
    versioned.save(item, form.version.data, form.apply)
    _record(item, _("修改事项：%(name)s", name=item.name))


@bp.post("/admin/items/<int:item_id>/retire")
@permissions.manager_required
def retire_item(item_id):
    return _set_retired(_scoped(ApprovalItem, item_id), True, "admin.items")


@bp.post("/admin/items/<int:item_id>/unretire")
@permissions.manager_required
def unretire_item(item_id):
    return _set_retired(_scoped(ApprovalItem, item_id), False, "admin.items")


def _set_retired(obj, retired, endpoint):
    obj.retired = retired
    _record(obj, _("停用：%(name)s", name=obj.name) if retired
            else _("恢复启用：%(name)s", name=obj.name))
    db.session.commit()
    flash(_("已停用“%(name)s”，已有案件不受影响。", name=obj.name) if retired
          else _("已恢复启用“%(name)s”。", name=obj.name), "success")
    return redirect(url_for(endpoint))


# --- case templates -------------------------------------------------------------

@bp.get("/admin/templates")
@permissions.manager_required
def templates():
    page = queries.paginate(select(CaseTemplate)
                            .where(CaseTemplate.center_id == current_user.center_id)
                            .options(selectinload(CaseTemplate.items))
                            .order_by(CaseTemplate.retired, CaseTemplate.name, CaseTemplate.id))
    return render_template("admin/templates.html", page=page)


@bp.route("/admin/templates/new", methods=["GET", "POST"])
@bp.route("/admin/templates/<int:template_id>/edit", methods=["GET", "POST"])
@permissions.manager_required
def edit_template(template_id=None):
    template = _scoped(CaseTemplate, template_id) if template_id else None
    form = TemplateForm(current_user.center_id, template)
    if not form.validate_on_submit():
        return (render_template("admin/template_form.html", form=form, template=template),
                422 if form.is_submitted() else 200)
    if template is None:
        template = _create_template(form)
    elif attempt(_save_template, template, form) is not None:   # someone saved it meanwhile
        return render_template("admin/template_form.html", template=template, stale=True,
                               form=versioned.keep_input(form, template)), 409
    flash(_("已保存事项模板“%(name)s”。", name=template.name), "success")
    return redirect(url_for("admin.templates"))


def _create_template(form):
    submit_once.claim(form)
    template = CaseTemplate()
    db.session.add(template)
    form.apply(template)
    db.session.flush()
    _record(template, _("保存事项模板：%(name)s", name=template.name))
    submit_once.lands_at(form, url_for("admin.templates"))
    db.session.commit()
    return template


def _save_template(template, form):
    versioned.save(template, form.version.data, form.apply)
    _record(template, _("保存事项模板：%(name)s", name=template.name))


@bp.post("/admin/templates/<int:template_id>/retire")
@permissions.manager_required
def retire_template(template_id):
    return _set_retired(_scoped(CaseTemplate, template_id), True, "admin.templates")


@bp.post("/admin/templates/<int:template_id>/unretire")
@permissions.manager_required
def unretire_template(template_id):
    return _set_retired(_scoped(CaseTemplate, template_id), False, "admin.templates")
