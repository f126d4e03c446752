"""All models, importable from one place."""
from proxy_service.models.absences import Absence
from proxy_service.models.agreements import (
    Agreement,
    AgreementKind,
    AgreementState,
    AgreementTemplate,
    Signature,
)
from proxy_service.models.api_tokens import ApiToken
from proxy_service.models.audit import AuditCheckpoint, AuditEvent
from proxy_service.models.blobs import DocumentBlob
from proxy_service.models.calendar import CalendarYear, DayKind, DeadlineAlert, Holiday
from proxy_service.models.cases import (
    OPEN_CASE_STATUSES,
    OPEN_STEP_STATUSES,
    Assignment,
    Case,
    CaseStatus,
    Document,
    Message,
    Step,
    StepStatus,
)
from proxy_service.models.catalog import ApprovalItem, CaseTemplate, LimitUnit, Mode, Stage
from proxy_service.models.enterprises import (
    ClaimStatus,
    Enterprise,
    EnterpriseClaim,
    FilingType,
    Industry,
    Project,
    Verification,
)
from proxy_service.models.evaluations import (
    Evaluation,
    Grade,
    Outcome,
    Rectification,
    RectificationStatus,
)
from proxy_service.models.history import StepRound, Suspension
from proxy_service.models.idempotency import IdempotencyKey
from proxy_service.models.notices import IssuedNotice, NoticeKind, NoticeOrigin
from proxy_service.models.notifications import Notification, OutboxMessage
from proxy_service.models.reports import MonthlyReport
from proxy_service.models.submit_tokens import SubmitToken
from proxy_service.models.users import Center, RecoveryCode, Role, User
from proxy_service.models.webhooks import (
    DeliveryStatus,
    EndpointState,
    WebhookDelivery,
    WebhookEndpoint,
)
from proxy_service.models.workloads import AgentApprovals, AgentOpenWork

__all__ = [
    "Absence", "AgentApprovals", "AgentOpenWork", "ApiToken", "Evaluation", "Grade", "Outcome", "Rectification", "RectificationStatus",
    "Agreement", "AgreementKind", "AgreementState", "AgreementTemplate", "CalendarYear", "DayKind",
    "DeadlineAlert", "Holiday", "IdempotencyKey", "IssuedNotice", "NoticeKind", "NoticeOrigin", "Notification",
    "OutboxMessage", "Signature",
    "ApprovalItem", "Assignment", "AuditCheckpoint", "AuditEvent", "Case", "CaseStatus", "CaseTemplate", "Center",
    "ClaimStatus", "Document", "DocumentBlob", "Enterprise", "EnterpriseClaim", "FilingType", "Industry",
    "LimitUnit", "Message", "Mode", "MonthlyReport", "OPEN_CASE_STATUSES", "OPEN_STEP_STATUSES", "Project",
    "RecoveryCode", "Role", "Stage", "Step", "StepRound", "StepStatus", "SubmitToken", "Suspension", "User", "Verification",
    "DeliveryStatus", "EndpointState", "WebhookDelivery", "WebhookEndpoint",
]
