"""Changes made by enterprises themselves: registration, contact details, logins, projects.

Like workflow verbs, each takes the actor (or creates it), writes an AuditEvent,
and flushes; the view commits.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    AuditEvent,
    Case,
    Enterprise,
    EnterpriseClaim,
    Project,
    Role,
    User,
)
from proxy_service.workflow import StaleEdit
from proxy_service.workflow.documents import store_document
from proxy_service.workflow.enterprises import uscc_check_ok

CONTACT_FIELDS = ("contact_person", "mobile", "email", "address")


def registered_enterprise(uscc):
    """The enterprise already on record under `uscc`, if any (the oldest one)."""
    return db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc)
                             .order_by(Enterprise.id).limit(1))


def register(data, licence):
    """Create the first user and the enterprise, or a claim when the USCC is already registered.

    `data` is the registration form's data. Returns (user, claim); claim is None for a new
    enterprise. Raises uploads.UploadError for a refused licence (nothing is kept once the
    caller rolls back).
    """
    # The contact person is the first user; enterprise stays None while a claim is pending.
    user = _new_login(data, name=data["contact_person"], phone=data["mobile"], enterprise=None)
    existing = registered_enterprise(data["uscc"])
    if existing is not None:
        return user, _claim(existing, user, data, licence)
    enterprise = Enterprise(
        name=data["name"], uscc=data["uscc"], uscc_check_failed=not uscc_check_ok(data["uscc"]),
        legal_representative=data["legal_representative"], address=data["address"],
        contact_person=data["contact_person"], mobile=data["mobile"], email=data["email"] or "",
        home_center_id=data["home_center_id"], privacy_consent_at=clock.now())
    db.session.add(enterprise)
    db.session.flush()
    user.enterprise = enterprise
    store_document(licence, kind="licence", uploader=user, enterprise=enterprise)
    db.session.add(AuditEvent.record(user, enterprise, "register", comment=user.username))
    db.session.flush()
    return user, None


def _claim(enterprise, user, data, licence):
    # The licence is filed under the registered enterprise so that its center's managers,
    # who resolve the claim, can open it.
    document = store_document(licence, kind="licence", uploader=user, enterprise=enterprise)
    claim = EnterpriseClaim(enterprise=enterprise, claimant=user, claimed_name=data["name"],
                            legal_representative=data["legal_representative"],
                            contact_person=data["contact_person"], mobile=data["mobile"],
                            licence_document_id=document.id)
    db.session.add(claim)
    db.session.flush()
    db.session.add(AuditEvent.record(user, enterprise, "claim",  # i18n-keep: audit record
                                     comment=f"{user.username}：{data['name']}"))
    db.session.flush()
    return claim


def _new_login(data, *, name, phone, enterprise):
    user = User(username=data["username"], role=Role.ENTERPRISE, name=name, phone=phone,
                email=data.get("email") or "", enterprise=enterprise)
    user.set_password(data["password"])
    db.session.add(user)
    db.session.flush()
    return user


def add_colleague(enterprise, actor, data):
    """Another login of the same enterprise, with its own password."""
    user = _new_login(data, name=data["name"], phone=data["phone"], enterprise=enterprise)
    db.session.add(AuditEvent.record(actor, enterprise, "add_user", comment=user.username))
    db.session.flush()
    return user


def update_contact(enterprise, actor, data, seen_version):
    """Change contact person, mobile, email, address. Raises StaleEdit."""
    _check_version(enterprise, seen_version)
    changed = _assign(enterprise, {name: data[name] or "" for name in CONTACT_FIELDS})
    if changed:
        db.session.add(AuditEvent.record(actor, enterprise, "enterprise_edit",  # i18n-keep: audit record
                                         comment="、".join(changed)))
    db.session.flush()
    if changed:
        _refresh_agreements(actor, Case.enterprise_id == enterprise.id)


def has_open_case(project):
    return db.session.scalar(select(Case.id).where(
        Case.project_id == project.id, Case.status.in_(OPEN_CASE_STATUSES)).limit(1)) is not None


def create_project(enterprise, actor, values):
    project = Project(enterprise=enterprise, **values)
    db.session.add(project)
    db.session.flush()
    db.session.add(AuditEvent.record(actor, project, "project_create", comment=project.name))
    db.session.flush()
    return project


def update_project(project, actor, values, seen_version):
    """Save `values`; while a case is open the case's fields are kept. Raises StaleEdit."""
    _check_version(project, seen_version)
    if has_open_case(project):
        values = {k: v for k, v in values.items() if k not in Project.CASE_FIELDS}
    changed = _assign(project, values)
    if changed:
        db.session.add(AuditEvent.record(actor, project, "project_edit",  # i18n-keep: audit record
                                         comment="、".join(changed)))
    db.session.flush()
    if changed:
        _refresh_agreements(actor, Case.project_id == project.id)
    return changed


def _refresh_agreements(actor, condition):
    """Unsealed agreements print the project and the enterprise: regenerate them (voiding
    signatures) when what they print changed. Sealed ones are never touched."""
    from proxy_service.workflow import agreements as signing
    for case in db.session.scalars(select(Case).where(
            condition, Case.status.in_(OPEN_CASE_STATUSES))):
        signing.refresh(case, actor, _l("项目或企业信息变更"))


def _check_version(obj, seen_version):
    if str(seen_version) != str(obj.version):
        raise StaleEdit(obj)


def _assign(obj, values):
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed
