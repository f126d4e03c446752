"""The working-day calendar (节假日/调休) and deadline alerts."""
import enum

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from proxy_service.core.extensions import db
from proxy_service.models.enterprises import _str_enum
from proxy_service.models.types import UTCDateTime, utcnow


class DayKind(str, enum.Enum):
    REST = "rest"          # a weekday made a rest day (法定节假日)
    WORKDAY = "workday"    # a weekend day made a working day (调休上班)


class Holiday(db.Model):
    """An exception to Monday–Friday: a rest day on a weekday or a make-up working day.

    `estimated`: derived from the 放假办法 for a year whose schedule is not published yet
    (statutory_holidays.py), to be replaced by the State Council's when it is."""

    __tablename__ = "holidays"
    id: Mapped[int] = mapped_column(primary_key=True)
    day = mapped_column(Date, unique=True, nullable=False)
    kind: Mapped[DayKind] = mapped_column(_str_enum(DayKind))
    name: Mapped[str] = mapped_column(String(40), default="")
    estimated: Mapped[bool] = mapped_column(default=False, server_default=false())


class CalendarYear(db.Model):
    """A year whose schedule the Holiday table holds: from the package, estimated, or entered
    by a manager. Years without a row fall back to Monday–Friday.

    `complete`: the whole published schedule is in (the package's years, or a manager said
    so); until then managers are warned (calendar_schedule.unfinished_years).
    """

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(20))   # "chinesecalendar", "estimated" or "manual"
    complete: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A migration changed the year's days: the deadlines they touch move when the upgrade
    # reaches head, where the models match the schema (deadline_recompute.recompute_pending,
    # called by migrations/env.py), and the mark is cleared.
    deadlines_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at = mapped_column(UTCDateTime, default=utcnow)
    # Advanced (in SQL: never a lost update) by every change of the year's days, with the
    # recomputation of the deadlines they touch: the sum over the years is the calendar's
    # version (workdays.calendar_version), which cached fragments are keyed by.
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class DeadlineAlert(db.Model):
    """One yellow or red alert raised for a step: the unique key keeps it to once per level."""

    __tablename__ = "deadline_alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"))
    level: Mapped[str] = mapped_column(String(10))
    due_on = mapped_column(Date, nullable=False)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("step_id", "level", "due_on"),)
