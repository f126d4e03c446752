"""Service evaluations (好差评) of completed cases and the rectifications (整改) poor ones open."""
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.enterprises import _str_enum
from proxy_service.models.types import UTCDateTime, utcnow


class Grade(str, enum.Enum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASIC = "basic"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def label(self):
        return GRADE_LABELS[self]

    @property
    def is_good(self):
        """Counts towards 好评率 (非常满意 + 满意)."""
        return self in (Grade.VERY_SATISFIED, Grade.SATISFIED)

    @property
    def is_poor(self):
        """A 差评: opens a rectification."""
        return self in (Grade.DISSATISFIED, Grade.VERY_DISSATISFIED)

    @property
    def score(self):
        """5 (非常满意) … 1 (非常不满意), for averages."""
        return 5 - list(Grade).index(self)


GRADE_LABELS = {
    Grade.VERY_SATISFIED: _l("非常满意"), Grade.SATISFIED: _l("满意"), Grade.BASIC: _l("基本满意"),
    Grade.DISSATISFIED: _l("不满意"), Grade.VERY_DISSATISFIED: _l("非常不满意"),
}
SUB_SCORES = {"efficiency": _l("办事效率"), "attitude": _l("服务态度"), "expertise": _l("专业水平")}


class Evaluation(db.Model):
    """The enterprise's one rating of a completed case ("一事一评")."""

    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    # The case's responsible agent when it was rated: per-agent ratings stay put after re-assignment.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    grade: Mapped[Grade] = mapped_column(_str_enum(Grade))
    efficiency: Mapped[int] = mapped_column(SmallInteger)
    attitude: Mapped[int] = mapped_column(SmallInteger)
    expertise: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case")
    agent = relationship("User", foreign_keys=[agent_id])
    author = relationship("User", foreign_keys=[author_id])
    rectification = relationship("Rectification", back_populates="evaluation", uselist=False)
    __table_args__ = tuple(
        CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_range") for name in SUB_SCORES
    ) + (Index("ix_evaluations_center_created", "center_id", "created_at"),)

    def sub_scores(self):
        """[(label, score)] in the order the form asks them."""
        return [(label, getattr(self, name)) for name, label in SUB_SCORES.items()]


class RectificationStatus(str, enum.Enum):
    OPEN = "open"            # waiting for the manager's response
    ANSWERED = "answered"    # responded; the enterprise may appeal once
    APPEALED = "appealed"    # 复核: reopened for a second response
    CLOSED = "closed"        # the second response given; final

    @property
    def label(self):
        return RECTIFICATION_LABELS[self]

    @property
    def awaits_response(self):
        return self in (RectificationStatus.OPEN, RectificationStatus.APPEALED)


RECTIFICATION_LABELS = {
    RectificationStatus.OPEN: _l("待整改"), RectificationStatus.ANSWERED: _l("已答复"),
    RectificationStatus.APPEALED: _l("复核中"), RectificationStatus.CLOSED: _l("复核已答复"),
}


class Outcome(str, enum.Enum):
    RECTIFIED = "rectified"
    EXPLAINED = "explained"
    UNFOUNDED = "unfounded"

    @property
    def label(self):
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.RECTIFIED: _l("已整改到位"), Outcome.EXPLAINED: _l("已解释说明"),
    Outcome.UNFOUNDED: _l("经核实评价情况不属实"),
}


class Rectification(db.Model):
    """整改 of a poor evaluation: a manager of the center answers within 15 working days;
    the enterprise may appeal the answer once (复核), which asks for a second one."""

    __tablename__ = "rectifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[RectificationStatus] = mapped_column(_str_enum(RectificationStatus),
                                                       default=RectificationStatus.OPEN)
    opened_at = mapped_column(UTCDateTime, default=utcnow)
    due_on = mapped_column(Date, nullable=False)      # of the response awaited now
    response: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[Outcome | None] = mapped_column(_str_enum(Outcome), nullable=True)
    responded_at = mapped_column(UTCDateTime, nullable=True)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appeal_reason: Mapped[str] = mapped_column(Text, default="")
    appealed_at = mapped_column(UTCDateTime, nullable=True)
    review_response: Mapped[str] = mapped_column(Text, default="")
    review_outcome: Mapped[Outcome | None] = mapped_column(_str_enum(Outcome), nullable=True)
    reviewed_at = mapped_column(UTCDateTime, nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    evaluation = relationship("Evaluation", back_populates="rectification")
    case = relationship("Case")
    manager = relationship("User", foreign_keys=[manager_id])
    responded_by = relationship("User", foreign_keys=[responded_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_rectifications_center_status", "center_id", "status"),)

    def is_overdue(self, today):
        """Red: a response is awaited and its due date has passed."""
        return self.status.awaits_response and today > self.due_on

    @property
    def can_appeal(self):
        return self.status is RectificationStatus.ANSWERED
