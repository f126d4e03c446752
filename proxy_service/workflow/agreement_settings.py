"""What agreements are made and signed with: the center's clause template (versioned), who
counter-signs for the center, and the enterprise's electronic company seal (电子公章).

Like the verbs, every change here takes the actor, writes its AuditEvent and flushes; the
view commits.
"""
from sqlalchemy import select

from proxy_service.core import clock
from proxy_service.core.conflicts import save
from proxy_service.core.extensions import db
from proxy_service.documents.default_clauses import DEFAULT_CLAUSES
from proxy_service.models import AgreementTemplate
from proxy_service.workflow.moves import _audit_event


def current_template(center):
    """The center's newest clause template; version 1 (the default text) is made on first use."""
    template = db.session.scalar(select(AgreementTemplate).where(
        AgreementTemplate.center_id == center.id).order_by(AgreementTemplate.version.desc()).limit(1))
    if template is None:
        template = AgreementTemplate(center_id=center.id, version=1, clauses=DEFAULT_CLAUSES)
        db.session.add(template)
        db.session.flush()
    return template


def template_versions(center):
    """Every version of the center's clauses, the newest first."""
    return db.session.scalars(select(AgreementTemplate).where(
        AgreementTemplate.center_id == center.id)
        .order_by(AgreementTemplate.version.desc())).all()


def save_template(center, actor, clauses):
    """A new version of the center's clauses; agreements already generated keep theirs."""
    latest = current_template(center)
    clauses = clauses.replace("\r\n", "\n").strip() + "\n"
    if clauses == latest.clauses:
        return latest
    template = AgreementTemplate(center_id=center.id, version=latest.version + 1,
                                 clauses=clauses, created_by_id=actor.id, created_at=clock.now())
    db.session.add(template)
    db.session.flush()
    _audit_event(actor, template, "template_edit", comment=f"v{template.version}")
    db.session.flush()
    return template


def set_countersign_role(center, actor, role, seen_version):
    """Who signs agreements for the center: "manager" (any of its managers) or "agent" (the
    case's agent). `seen_version`: the center's version the form showed. Raises StaleEdit,
    or StaleDataError from the flush when another manager saved meanwhile."""
    def apply(record):
        record.countersign_role = role
    save(center, seen_version, apply)
    _audit_event(actor, center, "template_edit",
                 comment=f"countersign_role={center.countersign_role}")
    db.session.flush()


def save_enterprise_seal(enterprise, actor, png):
    """The enterprise's electronic company seal: `png`, an image already checked and
    re-encoded (documents.signature_images.seal_from_upload)."""
    enterprise.seal_image = png
    _audit_event(actor, enterprise, "enterprise_seal")
    db.session.flush()
