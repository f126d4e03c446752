"""Cases (代办案件) and their steps, assignments, documents and messages."""
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.blobs import BlobContent
from proxy_service.models.catalog import Stage
from proxy_service.models.enterprises import _str_enum
from proxy_service.models.types import UTCDateTime, utcnow


class CaseStatus(str, enum.Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    SIGNING = "signing"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    DECLINED = "declined"
    TERMINATED = "terminated"

    @property
    def label(self):
        return CASE_LABELS[self]

    @property
    def is_open(self):
        return self not in FINAL_CASE_STATUSES


CASE_LABELS = {
    CaseStatus.SUBMITTED: _l("待受理"),
    CaseStatus.ACCEPTED: _l("已受理待指派"),
    CaseStatus.SIGNING: _l("待签订协议"),
    CaseStatus.IN_PROGRESS: _l("办理中"),
    CaseStatus.SUSPENDED: _l("已中止"),
    CaseStatus.COMPLETED: _l("已办结"),
    CaseStatus.DECLINED: _l("不予受理"),
    CaseStatus.TERMINATED: _l("已终止"),
}
FINAL_CASE_STATUSES = frozenset({CaseStatus.COMPLETED, CaseStatus.DECLINED, CaseStatus.TERMINATED})
OPEN_CASE_STATUSES = tuple(s for s in CaseStatus if s not in FINAL_CASE_STATUSES)


class StepStatus(str, enum.Enum):
    PENDING = "pending"
    PREPARING = "preparing"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    REFUSED = "refused"
    NOT_REQUIRED = "not_required"

    @property
    def label(self):
        return STEP_LABELS[self]

    @property
    def is_done(self):
        return self in DONE_STEP_STATUSES


STEP_LABELS = {
    StepStatus.PENDING: _l("未开始"),
    StepStatus.PREPARING: _l("材料准备中"),
    StepStatus.SUBMITTED: _l("已报送审批"),
    StepStatus.RETURNED: _l("退回补正"),
    StepStatus.APPROVED: _l("已批准"),
    StepStatus.REFUSED: _l("不予许可"),
    StepStatus.NOT_REQUIRED: _l("无需办理"),
}
DONE_STEP_STATUSES = frozenset({StepStatus.APPROVED, StepStatus.REFUSED, StepStatus.NOT_REQUIRED})
OPEN_STEP_STATUSES = tuple(s for s in StepStatus if s not in DONE_STEP_STATUSES)


class Case(db.Model):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))   # indexed below
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("case_templates.id"))
    # active_history: a change keeps the value it replaced even when the row was not loaded,
    # for the workload counters (workflow/workload_counters.py) that follow these columns.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True,
                                                 active_history=True)
    status: Mapped[CaseStatus] = mapped_column(_str_enum(CaseStatus), default=CaseStatus.SUBMITTED,
                                               active_history=True)
    contact_name: Mapped[str] = mapped_column(String(60))
    contact_mobile: Mapped[str] = mapped_column(String(11))
    note: Mapped[str] = mapped_column(Text, default="")
    requested_item_ids: Mapped[str] = mapped_column(Text, default="")  # "1,4,7" until accepted
    reason: Mapped[str] = mapped_column(Text, default="")   # last decline/suspend/termination reason
    submitted_at = mapped_column(UTCDateTime, default=utcnow)
    accepted_at = mapped_column(UTCDateTime, nullable=True)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    promised_on = mapped_column(Date, nullable=True)       # 承诺办结日, set when work starts
    # The day work started (the agreement sealed) and the working days promised from it: with
    # the suspensions they give promised_on again under any calendar (deadlines.promised_of).
    started_on = mapped_column(Date, nullable=True)
    promised_workdays: Mapped[int | None] = mapped_column()
    suspended_on = mapped_column(Date, nullable=True)      # while suspended: clocks stopped since
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)   # the case form's optimistic lock
    # Anything shown of the case changed (a step, a document, a message, ...): advanced by
    # workflow/revision.py in the verb's transaction, never through the ORM (which would bump
    # `version` too). The API's updated_since and the status page's fragment cache follow it.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    changed_at = mapped_column(UTCDateTime, default=utcnow)

    center = relationship("Center")
    enterprise = relationship("Enterprise")
    project = relationship("Project")
    template = relationship("CaseTemplate")
    agent = relationship("User", foreign_keys=[agent_id])
    steps = relationship("Step", back_populates="case", order_by="(Step.stage_order, Step.sort, Step.id)")
    assignments = relationship("Assignment", back_populates="case", order_by="Assignment.id")
    agreements = relationship("Agreement", back_populates="case", order_by="Agreement.id")
    suspensions = relationship("Suspension", back_populates="case", order_by="Suspension.id")
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # At most one open case per project, enforced by the database too.
        Index("uq_cases_open_project", "project_id", unique=True,
              sqlite_where=db.text("status NOT IN ('completed','declined','terminated')"),
              postgresql_where=db.text("status NOT IN ('completed','declined','terminated')")),
        Index("ix_cases_center_status", "center_id", "status"),
        # A center's cases newest first (lists, exports, counts by filing date) and an
        # agent's open cases (inbox, workload); benchmarks/pages_bench.py measures them.
        Index("ix_cases_center_submitted", "center_id", "submitted_at", "id", "enterprise_id",
              "project_id"),
        Index("ix_cases_center_agent", "center_id", "agent_id", "status"),
        # The dashboard's "accepted / declined / completed in the period" counts.
        Index("ix_cases_center_accepted", "center_id", "accepted_at"),
        Index("ix_cases_center_closed", "center_id", "closed_at", "status"),
        # The open cases whose promised date a calendar change may move (deadline_recompute).
        Index("ix_cases_status_promised", "status", "promised_on"),
        # The API's case list: keyset pages over (changed_at, id) of a center's or an
        # enterprise's cases (api/queries.py).
        Index("ix_cases_center_changed", "center_id", "changed_at", "id"),
        Index("ix_cases_enterprise_changed", "enterprise_id", "changed_at", "id"),
    )

    @property
    def requested_items(self):
        return [int(i) for i in self.requested_item_ids.split(",") if i]

    @property
    def is_open(self):
        return self.status.is_open

    @property
    def all_steps_done(self):
        return bool(self.steps) and all(step.status.is_done for step in self.steps)

    @property
    def progress(self):
        """(done, total) steps."""
        return sum(step.status.is_done for step in self.steps), len(self.steps)

    @classmethod
    def in_stage(cls, stage):
        """SQL: the case has a step of `stage` (the case list's stage filter, pages and API).
        A correlated EXISTS, not IN (subquery): the database checks the cases one by one
        through their keys instead of first collecting every matching step of every center
        (benchmarks/pages_bench.py)."""
        return cls.steps.any(Step.stage == stage)

    def steps_by_stage(self):
        stages = {}
        for step in self.steps:
            stages.setdefault(step.stage, []).append(step)
        return sorted(stages.items(), key=lambda pair: pair[0].order)

    def __str__(self):
        return self.number


class Step(db.Model):
    __tablename__ = "steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))   # indexed below
    item_id: Mapped[int] = mapped_column(ForeignKey("approval_items.id"))
    stage: Mapped[Stage] = mapped_column(_str_enum(Stage))
    stage_order: Mapped[int] = mapped_column(default=0)
    sort: Mapped[int] = mapped_column(default=0)
    # active_history: as Case.status (the workload counters follow status and approved_on).
    status: Mapped[StepStatus] = mapped_column(_str_enum(StepStatus), default=StepStatus.PENDING,
                                               active_history=True)
    acceptance_no: Mapped[str] = mapped_column(String(60), default="")   # department's 受理号
    submitted_on = mapped_column(Date, nullable=True)     # the current round's filing (rounds keep all)
    approved_on = mapped_column(Date, nullable=True, active_history=True)
    permit_no: Mapped[str] = mapped_column(String(80), default="")
    by_commitment: Mapped[bool] = mapped_column(default=False)
    correction_request: Mapped[str] = mapped_column(Text, default="")   # 补正 requested of the enterprise
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    refusal_decision_no: Mapped[str] = mapped_column(String(80), default="")
    not_required_reason: Mapped[str] = mapped_column(Text, default="")
    due_on = mapped_column(Date, nullable=True)          # set on submission, moved by pauses
    # Working days left on the department's clock while it is paused (补正).
    remaining_workdays: Mapped[int | None] = mapped_column()
    # Working days the department was given on first submission (a calendar-day limit
    # converted): elapsed = allotted - remaining, and the 80 % rule, survive pauses.
    allotted_workdays: Mapped[int | None] = mapped_column()
    # The first day the traffic light turns yellow, stored so that lists filter and sort in SQL.
    yellow_on = mapped_column(Date, nullable=True)
    # The agreement (or supplementary delegation) that covers this step; it may start once sealed.
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    case = relationship("Case", back_populates="steps")
    item = relationship("ApprovalItem")
    agreement = relationship("Agreement")
    rounds = relationship("StepRound", back_populates="step", order_by="StepRound.number")
    __mapper_args__ = {"version_id_col": version}
    # A case's open steps, or its steps approved in a period (what the dashboard counts),
    # from the index alone. Pages start from a few cases; only a calendar change reads the
    # running steps of every center, by due date (deadline_recompute).
    __table_args__ = (Index("ix_steps_case_status", "case_id", "status", "approved_on",
                            "submitted_on", "due_on", "item_id"),
                      Index("ix_steps_status_due", "status", "due_on"))

    @property
    def needs_enterprise(self):
        """The enterprise has something to do: correct materials after a return."""
        return self.status is StepStatus.RETURNED

    def __str__(self):
        return self.item.name


class Assignment(db.Model):
    """One agent's period of responsibility for a case; the history of (re-)assignments."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    assigned_at = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", back_populates="assignments")
    agent = relationship("User", foreign_keys=[agent_id])
    assigned_by = relationship("User", foreign_keys=[assigned_by_id])


class Document(BlobContent, db.Model):
    """A file stored in the database: a licence, materials, a permit or a receipt.

    The bytes are in document_blobs, once per distinct content (models/blobs.py):
    `document.data` reads or sets them, `document.chunks()` streams them.
    """

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), default="material")
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("document_blobs.sha256"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by = relationship("User")
    case = relationship("Case")
    step = relationship("Step")

    KIND_LABELS = {"licence": _l("营业执照"), "material": _l("申报材料"), "correction": _l("补正材料"),
                   "permit": _l("批文证照"), "receipt": _l("受理回执"), "other": _l("其他"),
                   "agreement_scan": _l("协议纸质签署件")}

    @property
    def kind_label(self):
        return self.KIND_LABELS.get(self.kind, self.kind)


class Message(db.Model):
    """A note on a case: between enterprise and staff, or internal to staff."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")
    case = relationship("Case")
    step = relationship("Step")
