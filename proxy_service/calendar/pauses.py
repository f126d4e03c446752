"""The periods a department's clock stood still, read from the stored history (DESIGN.md §4):
补正 from a return to the refiling, and 中止 from a suspension to the resume.

Pages show them so that a moved due date explains itself; nothing here writes.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from proxy_service.calendar import workdays
from proxy_service.core import clock
from proxy_service.models.history import returns_and_refilings

KIND_LABELS = {"returned": _l("退回补正"), "suspended": _l("案件中止")}


@dataclass(frozen=True)
class Pause:
    kind: str                 # "returned" (补正) or "suspended" (中止)
    started_on: date
    ended_on: date | None     # None while it lasts
    reason: str               # what was to be corrected, or why the case was suspended
    workdays: int             # working days it lasted (so far, while it lasts)
    step_name: str = ""       # the step a 补正 belongs to, for the case page

    @property
    def label(self):
        return KIND_LABELS[self.kind]


def _pause(kind, started_on, ended_on, reason, today, step_name=""):
    return Pause(kind, started_on, ended_on, reason,
                 workdays.workdays_between(started_on, ended_on or today), step_name)


def _corrections(step, today, named=False):
    return [_pause("returned", filing.returned_on, after.filed_on if after else None,
                   filing.correction_request, today, step.item.name if named else "")
            for filing, after in returns_and_refilings(step.rounds)]


def _suspensions(case, today):
    return [_pause("suspended", period.started_on, period.ended_on, period.reason, today)
            for period in case.suspensions]


def while_filed(rounds, period):
    """Whether a suspension began while one of a step's `rounds` was with the department:
    only then did it stop this step's clock."""
    return any(filing.filed_on <= period.started_on
               and (filing.returned_on or filing.decided_on or date.max) > period.started_on
               for filing in rounds)


def of_step(step, today=None):
    """The pauses of one step's clock, oldest first."""
    today = today or clock.today()
    suspended = [p for p, period in zip(_suspensions(step.case, today), step.case.suspensions,
                                        strict=True)
                 if while_filed(step.rounds, period)]
    return sorted(_corrections(step, today) + suspended, key=lambda p: p.started_on)


def of_case(case, today=None):
    """Every pause of the case: its suspensions and each step's 补正, oldest first."""
    today = today or clock.today()
    corrections = [p for step in case.steps for p in _corrections(step, today, named=True)]
    return sorted(_suspensions(case, today) + corrections, key=lambda p: p.started_on)
