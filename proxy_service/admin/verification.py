"""Managers verify enterprises against their licences and decide claims on a taken USCC."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from proxy_service import permissions
from proxy_service.admin import bp
from proxy_service.admin.forms import ClaimForm, VerifyForm
from proxy_service.core.conflicts import attempt
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.models import Document, Enterprise, EnterpriseClaim, Verification
from proxy_service.workflow import enterprises

TABS = ("pending", "all")


def licences_of(enterprise_ids):
    """{enterprise id: [its own licence documents]} in one query.

    A claimant's licence is filed under the enterprise it claims; it is the
    claimant's evidence, shown with the claim, not the enterprise's licence.
    """
    found = {}
    claimed = select(EnterpriseClaim.licence_document_id).where(
        EnterpriseClaim.licence_document_id.is_not(None))
    if enterprise_ids:
        for doc in db.session.scalars(select(Document).where(
                Document.enterprise_id.in_(enterprise_ids), Document.kind == "licence",
                Document.id.not_in(claimed)).order_by(Document.id)):
            found.setdefault(doc.enterprise_id, []).append(doc)
    return found


def _claim_count():
    return db.session.scalar(permissions.visible_pending_claims(current_user)
                             .with_only_columns(func.count(EnterpriseClaim.id)))


# The function has its own name: `enterprises` is the workflow module.
@bp.get("/admin/enterprises", endpoint="enterprises")
@permissions.manager_required
def enterprise_list():
    """Enterprises waiting for verification (or all of them), searchable by name or USCC."""
    tab = request.args.get("tab") if request.args.get("tab") in TABS else "pending"
    term = request.args.get("q", "").strip()
    query = permissions.visible_enterprises(current_user)
    if tab == "pending":
        query = query.where(Enterprise.verification == Verification.PENDING)
    if term:
        query = query.where(Enterprise.name.contains(term, autoescape=True)
                            | Enterprise.uscc.contains(term.upper(), autoescape=True))
    page = paginate(query.order_by(Enterprise.created_at, Enterprise.id))
    return render_template("admin/enterprises.html", tab=tab, term=term, page=page,
                           licences=licences_of([e.id for e in page.items]),
                           claim_count=_claim_count())


@bp.route("/admin/enterprises/<int:enterprise_id>", methods=["GET", "POST"])
@permissions.manager_required
def enterprise(enterprise_id):
    enterprise = permissions.enterprise_or_404(current_user, enterprise_id)
    form = VerifyForm(version=enterprise.version)
    if not form.validate_on_submit():
        return _enterprise_page(enterprise, form, 422 if form.is_submitted() else 200)
    err = attempt(enterprises.verify_enterprise, enterprise, current_user, approve=form.approve,
                  note=form.reason, seen_version=form.version.data or None)
    if err is None:
        flash(_("已核验通过：%(name)s", name=enterprise.name) if form.approve
              else _("已标记核验未通过：%(name)s", name=enterprise.name), "success")
        return redirect(url_for("admin.enterprises"))
    # Someone else decided meanwhile: show what is on record now, overwrite nothing.
    return _enterprise_page(enterprise, VerifyForm(formdata=None, version=enterprise.version), 409)


def _enterprise_page(enterprise, form, status=200):
    claims = db.session.scalars(permissions.visible_pending_claims(current_user).where(
        EnterpriseClaim.enterprise_id == enterprise.id)).all()
    return render_template("admin/enterprise.html", enterprise=enterprise, form=form,
                           licences=licences_of([enterprise.id]).get(enterprise.id, []),
                           claims=claims), status


@bp.get("/admin/claims")
@permissions.manager_required
def claims():
    page = paginate(permissions.visible_pending_claims(current_user)
                    .options(joinedload(EnterpriseClaim.enterprise),
                             joinedload(EnterpriseClaim.claimant))
                    .order_by(EnterpriseClaim.created_at, EnterpriseClaim.id))
    return render_template("admin/claims.html", page=page, claim_count=page.total,
                           documents=_documents([c.licence_document_id for c in page.items]))


@bp.route("/admin/claims/<int:claim_id>", methods=["GET", "POST"])
@permissions.manager_required
def claim(claim_id):
    claim = permissions.claim_or_404(current_user, claim_id)
    form = ClaimForm()
    if not form.validate_on_submit():
        return _claim_page(claim, form, 422 if form.is_submitted() else 200)
    if attempt(enterprises.resolve_claim, claim, current_user, approve=form.approve,
               note=form.reason) is None:
        flash(_("认领申请已通过，申请人已加入该企业。") if form.approve
              else _("认领申请已驳回。"), "success")
    return redirect(url_for("admin.claims"))


def _claim_page(claim, form, status=200):
    document = _documents([claim.licence_document_id]).get(claim.licence_document_id)
    return render_template("admin/claim.html", claim=claim, form=form, document=document,
                           licences=licences_of([claim.enterprise_id]).get(claim.enterprise_id, [])
                           ), status


def _documents(ids):
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {doc.id: doc for doc in db.session.scalars(select(Document).where(Document.id.in_(ids)))}
