"""Agreements: who sees one, who signs it for which party, who uploads and checks a paper scan."""
from flask import abort

from proxy_service.core.extensions import db
from proxy_service.models import Agreement, AgreementState, Role
from proxy_service.models.agreements import CENTER, ENTERPRISE
from proxy_service.permissions.cases import case_or_404, handles_case


def agreement_or_404(user, agreement_id):
    """The agreement when `user` may see its case (another enterprise's answers 404)."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None:
        abort(404)
    case_or_404(user, agreement.case_id)
    return agreement


def signing_party(user, agreement):
    """The party `user` may sign `agreement` for now (ENTERPRISE / CENTER), or None."""
    case = agreement.case
    if agreement.state is AgreementState.AWAITING_ENTERPRISE and user.role is Role.ENTERPRISE \
            and user.enterprise_id == case.enterprise_id:
        return ENTERPRISE
    if agreement.state is AgreementState.AWAITING_CENTER and can_countersign(user, case):
        return CENTER
    return None


def can_sign(user, agreement):
    return signing_party(user, agreement) is not None


def can_countersign(user, case):
    """Per center setting: the case's assigned agent, or a manager of the center."""
    if user.center_id != case.center_id:
        return False
    if case.center.countersign_role == "agent":
        return user.role is Role.AGENT and case.agent_id == user.id
    return user.role is Role.MANAGER


def can_upload_scan(user, agreement):
    """A paper-signed scan: the enterprise itself, or the case's staff on its behalf, while the
    agreement awaits the enterprise."""
    if agreement.state is not AgreementState.AWAITING_ENTERPRISE:
        return False
    if user.role is Role.ENTERPRISE:
        return user.enterprise_id == agreement.case.enterprise_id
    return can_check_scan(user, agreement.case)


def can_check_scan(user, case):
    """Comparing a paper-signed scan with the original: the staff who handle the case."""
    return handles_case(user, case)
