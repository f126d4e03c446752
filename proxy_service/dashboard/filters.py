"""The dashboard's filters, read from the URL: a period (Beijing dates) and optionally an
industry, a stage and an agent; and the SQL conditions they stand for."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_

from proxy_service.core import clock
from proxy_service.models import Case, Project, Stage, Step


@dataclass
class Filters:
    """Dashboard filters from the URL; None means "all"."""
    start: date
    end: date
    industry: int | None = None
    stage: Stage | None = None
    agent: int | None = None

    def case_conditions(self, center_id):
        conditions = [Case.center_id == center_id]
        if self.agent:
            conditions.append(Case.agent_id == self.agent)
        if self.industry:   # EXISTS through the case's key, not the projects of every center
            conditions.append(Case.project.has(Project.industry_id == self.industry))
        return conditions

    def step_conditions(self, center_id):
        """For queries over steps joined with their case: the stage narrows the steps."""
        extra = [Step.stage == self.stage] if self.stage else []
        return self.case_conditions(center_id) + extra

    def args(self):
        return {key: value for key, value in (
            ("start", self.start.isoformat()), ("end", self.end.isoformat()),
            ("industry", self.industry), ("stage", self.stage.value if self.stage else None),
            ("agent", self.agent)) if value}


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filters(args):
    """Filters from ?start=&end=&industry=&stage=&agent=; the period defaults to this month."""
    today = clock.today()
    start = _date(args.get("start")) or today.replace(day=1)
    end = _date(args.get("end")) or today
    if end < start:
        start, end = end, start
    stage = next((s for s in Stage if s.value == args.get("stage")), None)
    return Filters(start, end, args.get("industry", type=int), stage, args.get("agent", type=int))


def midnight(day):
    """Beijing midnight at the start of `day`, for comparing UTC timestamps."""
    return datetime.combine(day, time(), tzinfo=clock.BEIJING)


def in_period(column, filters):
    return and_(column >= midnight(filters.start), column < midnight(filters.end + timedelta(1)))
