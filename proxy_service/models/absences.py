"""Agents' absence periods (请假) and the colleague who stands in for them (代岗)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.types import UTCDateTime, utcnow


class Absence(db.Model):
    """An agent is away from `start_on` to `end_on` (both inclusive, Beijing dates).

    While it lasts the substitute (set by a manager of the center) sees and acts
    on the absent agent's cases; the absent agent is left out of suggestions.
    """

    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    start_on = mapped_column(Date, nullable=False)
    end_on = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    substitute_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    substitute_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, default=utcnow)

    agent = relationship("User", foreign_keys=[agent_id])
    substitute = relationship("User", foreign_keys=[substitute_id])
    substitute_set_by = relationship("User", foreign_keys=[substitute_set_by_id])
    __table_args__ = (
        CheckConstraint("end_on >= start_on", name="period"),
        Index("ix_absences_center_end", "center_id", "end_on"),
    )

    def covers(self, day):
        return self.start_on <= day <= self.end_on

    def state(self, today):
        """"past", "current" or "upcoming" relative to `today`."""
        if self.end_on < today:
            return "past"
        return "current" if self.start_on <= today else "upcoming"

    STATE_LABELS = {"past": _l("已结束"), "current": _l("休假中"), "upcoming": _l("待开始")}

    def state_label(self, today):
        return self.STATE_LABELS[self.state(today)]
