"""What the monthly report says: the month's figures, the per-agent workload and the overdue
items with their reasons, as they stood at the month's end (as_of.Moment; for the running
month, now). Its cases and steps come from the stored history (as_of), so the report of a
closed month does not change when cases move on, are re-assigned or are decided later.

A fixed number of statements whatever the number of cases (tests/test_report_as_of.py).
"""
from collections import Counter, namedtuple
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from proxy_service.calendar import lights
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.dashboard import as_of, figures
from proxy_service.models import Role, StepStatus, User
from proxy_service.workflow.figures import Filters, midnight


@dataclass
class Overdue:
    """A step overdue in the month: approved in it after its due date, or still undecided at
    its end. A refusal (不予许可) given late is not listed: like the figures (按时办结率),
    the list counts approvals."""
    case_number: str
    item_name: str
    due_on: date
    decided_on: date | None     # None: not decided by the month's end
    reasons: list               # as_of.reasons(): [("returned" | "suspended", text)]


# An approved_steps row (figures reads the first five by position), with its step.
Approved = namedtuple("Approved", "item_id submitted_on approved_on due_on agent_id step_id")


def month_of(start):
    """Filters for the calendar month starting on `start`."""
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Filters(start, end)


def report_data(center, start):
    """Everything the report of the month starting on `start` shows, for `center`."""
    filters = month_of(start)
    moment = as_of.Moment.end_of(filters.end, clock.today())
    history = as_of.read_history(center.id, filters.start, moment)
    approved = _approved(history, filters, moment)
    headline = figures.activity(center.id, filters, approved)
    grades = as_of.grades(center.id, filters, moment)
    headline.evaluations = len(grades)
    headline.good = sum(grade in figures.GOOD_GRADES for _, grade in grades)
    dues = as_of.awaiting_rectifications(center.id, moment)
    headline.open_rectifications = len(dues)
    headline.overdue_rectifications = sum(due < moment.light_day for due in dues)
    open_steps = as_of.open_steps(history, moment, center.yellow_days)
    return {"filters": filters, "moment": moment, "center": center,
            "headline": headline, "overdue": _overdue(history, approved, open_steps, moment),
            "loads": _workload(center.id, history, moment, approved, open_steps, grades)}


def _approved(history, filters, moment):
    """The approved_steps rows of the month (item_id, submitted_on, approved_on, due_on,
    agent_id), each with the agent responsible on the day of approval, then step id."""
    last = min(filters.end, moment.day)
    return [Approved(step.item_id, step.submitted_on, step.approved_on, step.due_on,
                     history.agent_on(step.case_id, midnight(step.approved_on + timedelta(1))),
                     step.id)
            for step in history.steps if step.status is StepStatus.APPROVED
            and step.approved_on is not None and filters.start <= step.approved_on <= last]


def _overdue(history, approved, open_steps, moment):
    """Approved late in the month (by approval day), then undecided past the due date at its
    end (by due date); each with what stopped its clock."""
    steps = {step.id: step for step in history.steps}
    late = []
    for row in approved:
        if not figures.on_time(row):
            step = steps[row.step_id]
            reasons = as_of.reasons(history.rounds.get(step.id, []),
                                    history.suspensions.get(step.case_id, []), moment)
            late.append(Overdue(history.cases[step.case_id].number, step.item_name, step.due_on,
                                step.approved_on, reasons))
    late.sort(key=lambda o: (o.decided_on, o.case_number))
    running = sorted((Overdue(s.case_number, s.item_name, s.due_on, None, s.reasons)
                      for s in open_steps if s.light is lights.Light.RED),
                     key=lambda o: (o.due_on, o.case_number))
    return late + running


def _workload(center_id, history, moment, approved, open_steps, grades):
    """figures.AgentLoad per agent of the center at the moment: its open cases and steps then
    (from the assignments), approvals and grades in the month; two queries."""
    loads = {agent.id: figures.AgentLoad(agent) for agent in db.session.scalars(
        select(User).where(User.center_id == center_id, User.role == Role.AGENT)
        .order_by(User.name, User.id))}
    for case in history.cases.values():
        agent = history.agent_on(case.id, moment.cut)
        if agent in loads and as_of.open_at(case, moment.cut):
            loads[agent].open_cases += 1
    for step in open_steps:
        if step.agent_id in loads:
            load = loads[step.agent_id]
            load.open_steps += 1
            load.yellow += step.light is lights.Light.YELLOW
            load.red += step.light is lights.Light.RED
    for row in approved:
        if row.agent_id in loads:
            loads[row.agent_id].completed += 1
            loads[row.agent_id].on_time += figures.on_time(row)
    _rate(loads, grades)
    figures.attach_absences(loads, center_id, moment.day, moment.cut)
    # Agents who had work in the month, and the others then on the staff (not those who
    # joined later, nor those who have left since).
    return [load for load in loads.values() if load.open_cases or load.completed or load.ratings
            or (load.agent.active and load.agent.created_at < moment.cut)]


def _rate(loads, grades):
    counts, totals = Counter(), Counter()
    for agent_id, grade in grades:
        counts[agent_id] += 1
        totals[agent_id] += figures.GRADE_SCORES[grade]
    for agent_id, count in counts.items():
        if agent_id in loads:
            loads[agent_id].ratings, loads[agent_id].rating = count, totals[agent_id] / count
