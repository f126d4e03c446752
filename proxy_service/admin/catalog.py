"""The center's catalogue: approval items (审批事项) and case templates (事项模板).

Items and templates are retired, never deleted (workflow/catalog.py): old cases keep pointing
at them. Both are edited the same way; `_Kind` holds what differs.
"""
from dataclasses import dataclass
from itertools import groupby

from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case as when
from sqlalchemy.orm import selectinload

from proxy_service import permissions
from proxy_service.admin import bp
from proxy_service.admin.forms import ItemForm, TemplateForm
from proxy_service.core import pagination, submit_once
from proxy_service.core.conflicts import attempt, committing, keep_input
from proxy_service.models import ApprovalItem, CaseTemplate, Stage
from proxy_service.workflow import catalog

STAGE_ORDER = when({stage.value: stage.order for stage in Stage}, value=ApprovalItem.stage)
RETIRED = _l("已停用“%(name)s”，已有案件不受影响。")
UNRETIRED = _l("已恢复启用“%(name)s”。")


@dataclass(frozen=True)
class _Kind:
    model: type
    form: type
    page: str           # the edit form's template
    name: str           # the record's name in it
    endpoint: str       # the list, where every change lands
    created: str        # flashed after creating
    saved: str          # flashed after saving an edit


ITEMS = _Kind(ApprovalItem, ItemForm, "admin/item_form.html", "item", "admin.items",
              _l("已新增事项“%(name)s”。"), _l("已保存事项“%(name)s”。"))
TEMPLATES = _Kind(CaseTemplate, TemplateForm, "admin/template_form.html", "template",
                  "admin.templates", _l("已保存事项模板“%(name)s”。"), _l("已保存事项模板“%(name)s”。"))


# --- approval items -------------------------------------------------------------

@bp.get("/admin/items")
@permissions.manager_required
def items():
    page = pagination.paginate(permissions.visible_catalog(current_user, ApprovalItem)
                               .options(selectinload(ApprovalItem.prerequisites))
                               .order_by(STAGE_ORDER, ApprovalItem.sort, ApprovalItem.id))
    groups = [(stage, list(rows)) for stage, rows in groupby(page.items, key=lambda i: i.stage)]
    return render_template("admin/items.html", page=page, groups=groups)


@bp.route("/admin/items/new", methods=["GET", "POST"])
@permissions.manager_required
def new_item():
    return _edit(ITEMS, None)


@bp.route("/admin/items/<int:item_id>/edit", methods=["GET", "POST"])
@permissions.manager_required
def edit_item(item_id):
    return _edit(ITEMS, permissions.catalog_or_404(current_user, ApprovalItem, item_id))


@bp.post("/admin/items/<int:item_id>/retire")
@permissions.manager_required
def retire_item(item_id):
    item = permissions.catalog_or_404(current_user, ApprovalItem, item_id)
    return _retirement(ITEMS, item, catalog.retire, RETIRED)


@bp.post("/admin/items/<int:item_id>/unretire")
@permissions.manager_required
def unretire_item(item_id):
    item = permissions.catalog_or_404(current_user, ApprovalItem, item_id)
    return _retirement(ITEMS, item, catalog.unretire, UNRETIRED)


# --- case templates -------------------------------------------------------------

@bp.get("/admin/templates")
@permissions.manager_required
def templates():
    page = pagination.paginate(permissions.visible_catalog(current_user, CaseTemplate)
                               .options(selectinload(CaseTemplate.items))
                               .order_by(CaseTemplate.retired, CaseTemplate.name, CaseTemplate.id))
    return render_template("admin/templates.html", page=page)


@bp.route("/admin/templates/new", methods=["GET", "POST"])
@bp.route("/admin/templates/<int:template_id>/edit", methods=["GET", "POST"])
@permissions.manager_required
def edit_template(template_id=None):
    template = (permissions.catalog_or_404(current_user, CaseTemplate, template_id)
                if template_id else None)
    return _edit(TEMPLATES, template)


@bp.post("/admin/templates/<int:template_id>/retire")
@permissions.manager_required
def retire_template(template_id):
    template = permissions.catalog_or_404(current_user, CaseTemplate, template_id)
    return _retirement(TEMPLATES, template, catalog.retire, RETIRED)


@bp.post("/admin/templates/<int:template_id>/unretire")
@permissions.manager_required
def unretire_template(template_id):
    template = permissions.catalog_or_404(current_user, CaseTemplate, template_id)
    return _retirement(TEMPLATES, template, catalog.unretire, UNRETIRED)


# --- shared -----------------------------------------------------------------------

def _edit(kind, record):
    """The form page of a new (`record` None) or existing item or template, and its post."""
    form = kind.form(current_user.center_id, record)
    if not form.validate_on_submit():
        return _form_page(kind, form, record, 422 if form.is_submitted() else 200)
    if record is None:
        record, done = _create(kind, form), kind.created
    elif attempt(catalog.edit, record, current_user, form.version.data, form.apply) is None:
        done = kind.saved
    else:   # someone saved it meanwhile
        return _form_page(kind, keep_input(form, record), record, 409, stale=True)
    flash(done % {"name": record.name}, "success")
    return redirect(url_for(kind.endpoint))


def _create(kind, form):
    submit_once.claim(form)
    with committing():
        record = catalog.create(kind.model, current_user, form.apply)
        submit_once.lands_at(form, url_for(kind.endpoint))
    return record


def _form_page(kind, form, record, status, stale=False):
    return render_template(kind.page, form=form, stale=stale, **{kind.name: record}), status


def _retirement(kind, record, verb, done):
    if attempt(verb, record, current_user) is None:
        flash(done % {"name": record.name}, "success")
    return redirect(url_for(kind.endpoint))
