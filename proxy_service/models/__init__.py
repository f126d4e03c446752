"""All models, importable from one place."""
from .audit import AuditEvent
from .cases import (Assignment, Case, CaseStatus, Document, Message, Step, StepStatus,
                    OPEN_CASE_STATUSES, OPEN_STEP_STATUSES)
from .catalog import ApprovalItem, CaseTemplate, LimitUnit, Mode, Stage
from .enterprises import (ClaimStatus, Enterprise, EnterpriseClaim, FilingType, Industry, Project,
                          Verification)
from .users import Center, Role, User

__all__ = [
    "ApprovalItem", "Assignment", "AuditEvent", "Case", "CaseStatus", "CaseTemplate", "Center",
    "ClaimStatus", "Document", "Enterprise", "EnterpriseClaim", "FilingType", "Industry",
    "LimitUnit", "Message", "Mode", "OPEN_CASE_STATUSES", "OPEN_STEP_STATUSES", "Project", "Role",
    "Stage", "Step", "StepStatus", "User", "Verification",
]
