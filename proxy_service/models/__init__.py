"""All models, importable from one place."""
from .absences import Absence
from .agreements import Agreement, AgreementKind, AgreementState, AgreementTemplate, Signature
from .audit import AuditCheckpoint, AuditEvent
from .blobs import DocumentBlob
from .calendar import CalendarYear, DayKind, DeadlineAlert, Holiday
from .notifications import Notification, OutboxMessage
from .notices import IssuedNotice, NoticeKind, NoticeOrigin
from .cases import (Assignment, Case, CaseStatus, Document, Message, Step, StepStatus,
                    OPEN_CASE_STATUSES, OPEN_STEP_STATUSES)
from .history import StepRound, Suspension
from .catalog import ApprovalItem, CaseTemplate, LimitUnit, Mode, Stage
from .evaluations import (Evaluation, Grade, Outcome, Rectification,
                          RectificationStatus)
from .enterprises import (ClaimStatus, Enterprise, EnterpriseClaim, FilingType, Industry, Project,
                          Verification)
from .reports import MonthlyReport
from .users import Center, RecoveryCode, Role, User
from .submit_tokens import SubmitToken

__all__ = [
    "Absence", "Evaluation", "Grade", "Outcome", "Rectification", "RectificationStatus",
    "Agreement", "AgreementKind", "AgreementState", "AgreementTemplate", "CalendarYear", "DayKind",
    "DeadlineAlert", "Holiday", "IssuedNotice", "NoticeKind", "NoticeOrigin", "Notification",
    "OutboxMessage", "Signature",
    "ApprovalItem", "Assignment", "AuditCheckpoint", "AuditEvent", "Case", "CaseStatus", "CaseTemplate", "Center",
    "ClaimStatus", "Document", "DocumentBlob", "Enterprise", "EnterpriseClaim", "FilingType", "Industry",
    "LimitUnit", "Message", "Mode", "MonthlyReport", "OPEN_CASE_STATUSES", "OPEN_STEP_STATUSES", "Project",
    "RecoveryCode", "Role", "Stage", "Step", "StepRound", "StepStatus", "SubmitToken", "Suspension", "User", "Verification",
]
