"""Enterprises: registration (or a claim on a USCC already registered), the managers' licence
verification and claim decisions, and what enterprises change themselves — contact details,
colleagues' logins, projects.

Each verb takes the actor (registration creates it), writes its AuditEvent and flushes; the
caller commits. Verification and claims move along VERIFICATION_MOVES and CLAIM_MOVES."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from proxy_service.core import clock
from proxy_service.core.conflicts import StaleEdit, TransitionError, check_version, require
from proxy_service.core.extensions import db
from proxy_service.core.identifiers import uscc_check_ok
from proxy_service.core.uploads import UploadError
from proxy_service.identity import api_tokens
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    Case,
    ClaimStatus,
    Enterprise,
    EnterpriseClaim,
    Project,
    Role,
    User,
    Verification,
)
from proxy_service.workflow import agreements
from proxy_service.workflow.documents import store_document
from proxy_service.workflow.moves import (
    CLAIM_MOVES,
    VERIFICATION_MOVES,
    _audit_event,
    _begin,
    _fill,
    _move,
)

CONTACT_FIELDS = ("contact_person", "mobile", "email", "address")


class RefusedField(TransitionError):
    """A value the form accepted that the save refuses after all (a licence file, a username
    taken a moment ago by another request): the page shows `message` on form field `field`."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


class AlreadyVerified(TransitionError):
    """VERIFICATION_MOVES holds no "verify" from VERIFIED only."""

    def __init__(self, _message=None):
        super().__init__(_l("该企业已核验。"))


class ClaimDecided(TransitionError):
    """The claim was decided already, perhaps a moment ago by another manager."""

    def __init__(self, _message=None):
        super().__init__(_l("该认领申请已处理。"))


# --- registration ------------------------------------------------------------------------

def registered_enterprise(uscc):
    """The enterprise already on record under `uscc`, if any (the oldest one)."""
    return db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc)
                             .order_by(Enterprise.id).limit(1))


def register(data, licence):
    """Create the first user and the enterprise, or a claim when the USCC is already registered.

    `data` is the registration form's data. Returns (user, claim); claim is None for a new
    enterprise. Raises RefusedField for a refused licence or a username taken meanwhile
    (nothing is kept once the caller rolls back)."""
    try:
        # The contact person is the first user; enterprise stays None while a claim is pending.
        user = _new_login(data, name=data["contact_person"], phone=data["mobile"], enterprise=None)
        existing = registered_enterprise(data["uscc"])
        if existing is not None:
            return user, _claim(existing, user, data, licence)
        _new_enterprise(user, data, licence)
    except UploadError as err:   # its message stays lazy until the page shows it
        raise RefusedField("licence", err.args[0] if err.args else str(err)) from None
    return user, None


def _new_enterprise(user, data, licence):
    enterprise = Enterprise(
        name=data["name"], uscc=data["uscc"], uscc_check_failed=not uscc_check_ok(data["uscc"]),
        legal_representative=data["legal_representative"], address=data["address"],
        contact_person=data["contact_person"], mobile=data["mobile"], email=data["email"] or "",
        home_center_id=data["home_center_id"], privacy_consent_at=clock.now())
    db.session.add(_begin(enterprise, Verification.PENDING, field="verification"))
    db.session.flush()
    user.enterprise = enterprise
    store_document(licence, kind="licence", uploader=user, enterprise=enterprise)
    _audit_event(user, enterprise, "register", comment=user.username)
    db.session.flush()


def _claim(enterprise, user, data, licence):
    # The licence is filed under the registered enterprise so that its center's managers,
    # who resolve the claim, can open it.
    document = store_document(licence, kind="licence", uploader=user, enterprise=enterprise)
    claim = EnterpriseClaim(enterprise=enterprise, claimant=user, claimed_name=data["name"],
                            legal_representative=data["legal_representative"],
                            contact_person=data["contact_person"], mobile=data["mobile"],
                            licence_document_id=document.id)
    db.session.add(_begin(claim, ClaimStatus.PENDING, field="outcome"))
    db.session.flush()
    _audit_event(user, enterprise, "claim",  # i18n-keep: audit record
                 comment=f"{user.username}：{data['name']}")
    db.session.flush()
    return claim


def _new_login(data, *, name, phone, enterprise):
    user = User(username=data["username"], role=Role.ENTERPRISE, name=name, phone=phone,
                email=data.get("email") or "", enterprise=enterprise)
    user.set_password(data["password"])
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:   # the form found it free; another request took it a moment ago
        raise RefusedField("username", _l("该用户名已被使用，请换一个。")) from None
    return user


def add_colleague(enterprise, actor, data):
    """Another login of the same enterprise, with its own password. Raises RefusedField for a
    username taken meanwhile."""
    user = _new_login(data, name=data["name"], phone=data["phone"], enterprise=enterprise)
    _audit_event(actor, enterprise, "add_user", comment=user.username)
    db.session.flush()
    return user


# --- the managers' decisions -------------------------------------------------------------

def verify_enterprise(enterprise, actor, *, approve, note="", seen_version=None):
    """A manager confirms (or rejects, with a reason) the enterprise against its uploaded
    licence. Raises StaleEdit, AlreadyVerified, TransitionError (a rejection without reason)."""
    check_version(enterprise, seen_version)
    if not approve:
        require(note, _l("核验未通过须说明原因。"))
    _move(enterprise, VERIFICATION_MOVES, "verify" if approve else "reject", actor, note,
          field="verification", error=AlreadyVerified)
    enterprise.verification_note = note or ""
    enterprise.verified_by_id, enterprise.verified_at = actor.id, clock.now()
    db.session.flush()


def resolve_claim(claim, actor, *, approve, note=""):
    """Approving moves the claimant into the registered enterprise; rejecting (with a reason)
    leaves it out. Raises ClaimDecided when the claim is no longer pending — also when another
    manager decided it a moment ago."""
    action = "approve" if approve else "reject"
    if claim.outcome is ClaimStatus.PENDING and not approve:
        require(note, _l("驳回须说明原因。"))
    _move(claim, CLAIM_MOVES, action, actor,
          f"{claim.claimant.username}：{note}",  # i18n-keep: audit record
          audit_action=f"claim_{action}", field="outcome", error=ClaimDecided,
          about=claim.enterprise)
    _decide_once(claim)
    claim.resolution_note, claim.resolved_by_id, claim.resolved_at = note or "", actor.id, clock.now()
    if approve:
        claim.claimant.enterprise_id = claim.enterprise_id
        # A token made while the claim waited reached nothing; it must not now reach the
        # enterprise's cases without its owner making a new one, knowingly.
        api_tokens.revoke_all(claim.claimant, actor, _l("加入企业“%(name)s”",
                                                        name=claim.enterprise.name))
    db.session.flush()


def _decide_once(claim):
    # Decided only if still pending in the database: of two managers deciding at once, the
    # second finds it decided (PostgreSQL's row lock makes it wait for the first to commit).
    # No autoflush: the move above must not reach the database before this guarded UPDATE.
    with db.session.no_autoflush:
        decided = db.session.execute(update(EnterpriseClaim).where(
            EnterpriseClaim.id == claim.id, EnterpriseClaim.outcome == ClaimStatus.PENDING)
            .values(outcome=claim.outcome).execution_options(synchronize_session=False))
    if decided.rowcount != 1:
        raise ClaimDecided()


# --- what enterprises change themselves --------------------------------------------------

def update_contact(enterprise, actor, data, seen_version):
    """Change contact person, mobile, email, address. Raises StaleEdit."""
    _check_version(enterprise, seen_version)
    _edit(enterprise, actor, {name: data[name] or "" for name in CONTACT_FIELDS},
          "enterprise_edit", Case.enterprise_id == enterprise.id)


def has_open_case(project):
    return db.session.scalar(select(Case.id).where(
        Case.project_id == project.id, Case.status.in_(OPEN_CASE_STATUSES)).limit(1)) is not None


def create_project(enterprise, actor, values):
    project = Project(enterprise=enterprise, **values)
    db.session.add(project)
    db.session.flush()
    _audit_event(actor, project, "project_create", comment=project.name)
    db.session.flush()
    return project


def update_project(project, actor, values, seen_version):
    """Save `values`; while a case is open the case's fields are kept. Raises StaleEdit."""
    _check_version(project, seen_version)
    if has_open_case(project):
        values = {k: v for k, v in values.items() if k not in Project.CASE_FIELDS}
    return _edit(project, actor, values, "project_edit", Case.project_id == project.id)


def _edit(record, actor, values, audit_action, cases_printing_it):
    """Write `values` on `record`; when anything changed, audit the changed names and
    regenerate the unsealed agreements of `cases_printing_it`. Returns the changed names."""
    changed = _fill(record, values)
    if changed:
        names = "、".join(changed)  # i18n-keep: audit record
        _audit_event(actor, record, audit_action, comment=names)
    db.session.flush()
    if changed:
        _refresh_agreements(actor, cases_printing_it)
    return changed


def _refresh_agreements(actor, condition):
    """Unsealed agreements print the project and the enterprise: regenerate them (voiding
    signatures) when what they print changed. Sealed ones are never touched."""
    for case in db.session.scalars(select(Case).where(
            condition, Case.status.in_(OPEN_CASE_STATUSES))):
        agreements.refresh(case, actor, _l("项目或企业信息变更"))


def _check_version(obj, seen_version):
    # Unlike core.conflicts.check_version, a form without the version reads as stale.
    if str(seen_version) != str(obj.version):
        raise StaleEdit(obj)
