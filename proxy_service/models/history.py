"""The stored history deadlines are computed from (DESIGN.md §4, "history is stored, never
overwritten"): each filing round of a step and each suspension period of a case.

A step's due date, a case's promised date and every pause shown on a page are derived from
these rows under the current working-day calendar (deadlines.py), so a change to the calendar
can recompute them, and a report can tell what stood on any past day.
"""
from sqlalchemy import Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.catalog import LimitUnit
from proxy_service.models.enterprises import _str_enum
from proxy_service.models.types import UTCDateTime, utcnow


class StepRound(db.Model):
    """One filing of a step with its department (报送), from the day it was filed (the first
    time, or again after 补正) to the day it came back for correction or was decided.

    `allotted` is what the department's clock held at the filing: the item's promised limit on
    the first round (in its own unit), the working days left at the previous return after that.
    """

    __tablename__ = "step_rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"))   # first column of the unique key
    number: Mapped[int] = mapped_column()                           # 1 = first filing
    filed_on = mapped_column(Date, nullable=False)
    allotted: Mapped[int] = mapped_column()
    allotted_unit: Mapped[LimitUnit] = mapped_column(_str_enum(LimitUnit), default=LimitUnit.WORKDAY)
    returned_on = mapped_column(Date, nullable=True)                # 退回补正日期
    correction_request: Mapped[str] = mapped_column(Text, default="")
    remaining_workdays: Mapped[int | None] = mapped_column()      # left on the clock at the return
    decided_on = mapped_column(Date, nullable=True)                 # 批准 / 不予许可日期
    created_at = mapped_column(UTCDateTime, default=utcnow)

    step = relationship("Step", back_populates="rounds")
    __table_args__ = (UniqueConstraint("step_id", "number"),)

    @property
    def is_open(self):
        """Still with the department: neither returned nor decided."""
        return self.returned_on is None and self.decided_on is None


def returns_and_refilings(rounds):
    """[(a round that came back for 补正, the round that refiled it, or None while it has not
    been)] of a step's filing rounds in order (StepRound rows or anything with `filed_on` and
    `returned_on`)."""
    rounds = list(rounds)
    return [(filing, after) for filing, after in zip(rounds, [*rounds[1:], None], strict=False)
            if filing.returned_on is not None]


class Suspension(db.Model):
    """One period a case spent suspended (中止): its clocks stopped from `started_on` until
    `ended_on` (the day it resumed; None while it lasts)."""

    __tablename__ = "case_suspensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    started_on = mapped_column(Date, nullable=False)
    # Indexed: a calendar change finds the suspensions ending on or after its first day
    # (deadline_recompute._paused_on_or_after), whose working days move their case's dates.
    ended_on = mapped_column(Date, nullable=True, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", back_populates="suspensions")
