"""Who may see and change what: scoped queries (visible_*), loaders (*_or_404, the user
first) and predicates (can_*), for views, templates and the API alike; role decorators.

Views load objects only through the *_or_404 helpers, so that another enterprise's or another
center's record answers 404, never 403 with a hint. Substitute agents are honoured everywhere
the way can_update_step does (substitutes.acts_for / agents_covered_by).

One module per feature (cases, enterprises, documents, dashboard, ...) plus roles and
substitutes; a feature's new scope, loader or predicate goes into its module and is re-exported
here, so that callers import from `proxy_service.permissions` only. A predicate templates use
also goes into PREDICATES (the Jinja globals).
"""
from proxy_service.permissions.admin import (
    STAFF_ROLES,
    catalog_or_404,
    person_or_404,
    staff_or_404,
    visible_catalog,
    visible_offered_items,
    visible_people,
    visible_staff,
)
from proxy_service.permissions.agreements import (
    agreement_or_404,
    can_check_scan,
    can_countersign,
    can_sign,
    can_upload_scan,
    signing_party,
)
from proxy_service.permissions.api_tokens import (
    api_token_or_404,
    center_api_token_or_404,
    center_api_tokens,
    own_api_tokens,
)
from proxy_service.permissions.cases import (
    can_export_dossier,
    can_open_step,
    can_open_steps,
    can_update_case,
    can_update_step,
    can_update_steps,
    can_withdraw_case,
    can_write_internal,
    case_or_404,
    handles_case,
    notice_or_404,
    step_or_404,
    visible_case_events,
    visible_cases,
    visible_messages,
)
from proxy_service.permissions.dashboard import monthly_report_or_404
from proxy_service.permissions.documents import (
    can_add_documents,
    case_document_or_404,
    document_or_404,
    upload_kinds,
    visible_documents,
)
from proxy_service.permissions.enterprises import (
    can_edit_project,
    claim_or_404,
    enterprise_or_404,
    member_required,
    own_claims,
    project_or_404,
    visible_claims,
    visible_enterprises,
    visible_pending_claims,
    visible_projects,
)
from proxy_service.permissions.inbox import notification_or_404, visible_notifications
from proxy_service.permissions.roles import (
    enterprise_required,
    manager_required,
    role_required,
    staff_required,
)
from proxy_service.permissions.service_quality import (
    EVALUATION_EDIT_DAYS,
    absence_or_404,
    can_appeal,
    can_edit_evaluation,
    can_open_rectification,
    can_rate,
    can_respond_to_rectification,
    case_rectification_or_404,
    evaluation_edit_deadline,
    evaluation_editable,
    rectification_or_404,
    visible_absences,
    visible_agents,
    visible_rectifications,
)
from proxy_service.permissions.substitutes import acts_for, agents_covered_by, current_absences
from proxy_service.permissions.webhooks import (
    can_manage_webhooks,
    delivery_or_404,
    endpoint_or_404,
    endpoint_sees,
    endpoints_seeing,
    visible_endpoints,
)

PREDICATES = {f.__name__: f for f in (can_update_case, can_open_step, can_update_step,
                                       can_withdraw_case, can_edit_project, can_write_internal,
                                       can_export_dossier, can_sign, can_upload_scan,
                                       can_check_scan,
                                       can_rate, can_edit_evaluation, can_appeal,
                                       can_open_rectification, can_add_documents)}

__all__ = [
    "api_token_or_404", "center_api_token_or_404", "center_api_tokens", "own_api_tokens",
    "member_required", "own_claims", "visible_pending_claims",
    "agreement_or_404", "can_check_scan", "can_countersign", "can_sign", "can_upload_scan",
    "handles_case", "signing_party",
    "STAFF_ROLES", "catalog_or_404", "person_or_404", "staff_or_404", "visible_catalog",
    "visible_offered_items", "visible_people", "visible_staff",
    "PREDICATES", "acts_for", "agents_covered_by", "can_edit_project", "can_export_dossier",
    "can_open_step", "can_open_steps", "can_update_case", "can_update_step", "can_update_steps",
    "can_withdraw_case",
    "can_write_internal", "case_or_404", "claim_or_404", "current_absences", "document_or_404",
    "enterprise_or_404", "enterprise_required", "manager_required", "monthly_report_or_404",
    "project_or_404", "role_required", "staff_required", "step_or_404", "visible_cases",
    "visible_claims", "visible_enterprises", "visible_projects",
    "EVALUATION_EDIT_DAYS", "absence_or_404", "can_appeal", "can_edit_evaluation",
    "can_open_rectification", "can_rate", "can_respond_to_rectification",
    "case_rectification_or_404", "evaluation_edit_deadline", "evaluation_editable",
    "rectification_or_404", "visible_absences", "visible_agents", "visible_rectifications",
    "notification_or_404", "visible_notifications",
    "notice_or_404", "visible_case_events", "visible_messages",
    "can_add_documents", "case_document_or_404", "upload_kinds", "visible_documents",
    "can_manage_webhooks", "delivery_or_404", "endpoint_or_404", "endpoint_sees",
    "endpoints_seeing", "visible_endpoints",
]
