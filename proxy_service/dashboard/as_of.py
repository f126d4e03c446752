"""The center's work as it stood at the end of a day, read from the stored history rather than
from today's columns (DESIGN.md §4, "history is stored, never overwritten"): which cases were
open and whose they were (assignments), which steps were still to do or with their
department, and the due dates those stood at (filing rounds, suspension periods).

The monthly report reads its month's end from here. A fixed number of statements whatever
the number of cases: the history of the cases that may have been open is read once and
replayed in Python.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from proxy_service.calendar import deadlines, lights, pauses, workdays
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.models import (
    ApprovalItem,
    Assignment,
    AuditEvent,
    Case,
    Evaluation,
    Grade,
    Rectification,
    Step,
    StepRound,
    Suspension,
)
from proxy_service.workflow import supplements
from proxy_service.workflow.figures import in_period, midnight
from proxy_service.workflow.quality import RESPONSE_WORKDAYS
from proxy_service.workflow.workloads import cases_active_since


@dataclass(frozen=True)
class Moment:
    """The end of `day`: what happened on it or before counts. For a day that is over (a
    closed month's last day) a step due on it and still undecided is overdue; for today,
    not yet (its department has until the evening)."""
    day: date
    over: bool

    @classmethod
    def end_of(cls, last_day, today):
        """The end of a period ending on `last_day`, or now while it is still running."""
        return cls(last_day, True) if last_day < today else cls(today, False)

    @property
    def cut(self):
        """The first instant after the moment: stored timestamps before it count."""
        return midnight(self.day + timedelta(1))

    @property
    def light_day(self):
        """The "today" a traffic light is read on: due before it is overdue."""
        return self.day + timedelta(1) if self.over else self.day


@dataclass
class StepThen:
    """An open step at the moment, with its case's number and agent then."""
    case_number: str
    item_name: str
    agent_id: int | None
    due_on: date | None = None       # with its department, on a running clock
    light: lights.Light = lights.Light.NONE
    reasons: list = field(default_factory=list)


@dataclass
class History:
    """The stored history of a set of cases, as rows: read once, asked many questions."""
    cases: dict                          # id → case row
    assignments: dict                    # case id → [(assigned_at, agent_id)] in order
    rounds: dict                         # step id → [round rows] by number
    suspensions: dict                    # case id → [suspension rows] in order
    steps: list                          # step rows (with the item's name)
    added_after: set                     # ids of steps added to their case after the moment
    skipped: set                         # ids of steps marked 无需办理 by the moment

    def agent_on(self, case_id, cut):
        """Who was responsible for the case just before `cut` (None: nobody yet)."""
        agent = None
        for assigned_at, agent_id in self.assignments.get(case_id, ()):
            if assigned_at >= cut:
                break
            agent = agent_id
        return agent


def read_history(center_id, since, moment):
    """The history up to `moment` of the center's cases that were open at some time from
    `since` to the moment (filed by then, and open today or closed since): six statements."""
    cut = moment.cut
    active = select(Case.id).where(Case.id.in_(cases_active_since(center_id, since)),
                                   Case.submitted_at < cut)
    cases = {row.id: row for row in db.session.execute(
        select(Case.id, Case.number, Case.submitted_at, Case.accepted_at, Case.closed_at)
        .where(Case.id.in_(active)))}
    assignments = defaultdict(list)
    for row in db.session.execute(select(Assignment.case_id, Assignment.assigned_at,
                                         Assignment.agent_id)
                                  .where(Assignment.case_id.in_(active))
                                  .order_by(Assignment.id)):
        assignments[row.case_id].append((row.assigned_at, row.agent_id))
    rounds, suspensions = _rounds(active, moment.day), _suspensions(active, moment.day)
    steps = db.session.execute(
        select(Step.id, Step.case_id, Step.status, Step.item_id, Step.submitted_on,
               Step.approved_on, Step.due_on, ApprovalItem.name.label("item_name"))
        .join(Step.item).where(Step.case_id.in_(active))
        .order_by(Step.case_id, Step.stage_order, Step.sort, Step.id)).all()
    added_after, skipped = _step_events(active, cut, steps)
    return History(cases, assignments, rounds, suspensions, steps, added_after, skipped)


def _rounds(active, day):
    """step id → the rounds filed by `day`, in order. Plain rows, not entities: a busy month
    has thousands of them."""
    rounds = defaultdict(list)
    for row in db.session.execute(select(
            StepRound.step_id, StepRound.filed_on, StepRound.allotted, StepRound.allotted_unit,
            StepRound.returned_on, StepRound.correction_request, StepRound.decided_on)
            .where(StepRound.step_id.in_(select(Step.id).where(Step.case_id.in_(active))),
                   StepRound.filed_on <= day)
            .order_by(StepRound.step_id, StepRound.number)):
        rounds[row.step_id].append(row)
    return rounds


def _suspensions(active, day):
    """case id → the suspensions begun by `day`, in order."""
    suspensions = defaultdict(list)
    for row in db.session.execute(select(
            Suspension.case_id, Suspension.started_on, Suspension.ended_on, Suspension.reason)
            .where(Suspension.case_id.in_(active), Suspension.started_on <= day)
            .order_by(Suspension.id)):
        suspensions[row.case_id].append(row)
    return suspensions


def _step_events(active, cut, steps):
    """Which steps were added to their case after the moment (they did not exist yet) and
    which had been marked 无需办理 by then: the audit log is their only record."""
    added, skipped = defaultdict(list), set()
    for row in db.session.execute(select(
            AuditEvent.case_id, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.action,
            AuditEvent.comment)
            .where(AuditEvent.case_id.in_(active), or_(
                and_(AuditEvent.action == "add_items", AuditEvent.at >= cut),
                and_(AuditEvent.action == "skip", AuditEvent.object_type == "step",
                     AuditEvent.at < cut)))):
        if row.action == "skip":
            skipped.add(row.object_id)
        else:
            added[row.case_id].append(row)
    by_case = defaultdict(list)
    for step in steps:
        by_case[step.case_id].append(step)
    added_after = set().union(*(supplements.steps_added_by(events, by_case[case_id])
                                for case_id, events in added.items()))
    return added_after, skipped


def open_at(case, cut):
    """Whether the case (a row of History.cases: filed before `cut`) was not closed by then."""
    return case.closed_at is None or case.closed_at >= cut


def open_steps(history, moment, yellow_days):
    """[StepThen] of every step open at the moment in a case open then."""
    cut, result = moment.cut, []
    for step in history.steps:
        case = history.cases.get(step.case_id)
        if case is None or not open_at(case, cut) or not _existed(history, step, case, cut):
            continue
        rounds = history.rounds.get(step.id, [])
        current = rounds[-1] if rounds else None
        if step.id in history.skipped or (current is not None and _decided(current, moment)):
            continue
        then = StepThen(case.number, step.item_name, history.agent_on(step.case_id, cut),
                        reasons=reasons(rounds, history.suspensions.get(step.case_id, []), moment))
        if current is not None and not _returned(current, moment):
            _clock(then, rounds, history.suspensions.get(step.case_id, []), moment, yellow_days)
        result.append(then)
    return result


def _existed(history, step, case, cut):
    """Steps are made when the case is accepted, or added later (add_items in the log)."""
    return (case.accepted_at is not None and case.accepted_at < cut
            and step.id not in history.added_after)


def _decided(filing, moment):
    return filing.decided_on is not None and filing.decided_on <= moment.day


def _returned(filing, moment):
    return filing.returned_on is not None and filing.returned_on <= moment.day


def _clock(then, rounds, suspensions, moment, yellow_days):
    """The due date and light of a step with its department at the moment (deadlines.due_from
    as of the moment's day). A case suspended at the moment had its clocks stopped: no light."""
    then.due_on, allotted = deadlines.due_from(rounds, suspensions, moment.day)
    if any(s.ended_on is None or s.ended_on > moment.day for s in suspensions):
        return
    yellow_on = deadlines.yellow_of(yellow_days, then.due_on, allotted)
    then.light = lights.light_on(then.due_on, yellow_on, moment.light_day)


def reasons(rounds, suspensions, moment):
    """What stopped the step's clock by the moment: ("returned", what to correct) for each
    补正 and ("suspended", why) for each suspension of its case that began while it was filed."""
    found = [("returned", r.correction_request) for r in rounds
             if r.returned_on is not None and r.returned_on <= moment.day]
    return found + [("suspended", s.reason) for s in suspensions
                    if s.started_on <= moment.day and pauses.while_filed(rounds, s)]


# --- service quality at the moment ---------------------------------------------------

def grades(center_id, filters, moment):
    """[(agent_id, Grade)] of the evaluations given in the period, each with the grade it
    had at the moment (an enterprise may change it for EVALUATION_EDIT_DAYS, in the log); two
    queries."""
    given = [Evaluation.center_id == center_id, in_period(Evaluation.created_at, filters),
             Evaluation.created_at < moment.cut]
    rows = db.session.execute(
        select(Evaluation.id, Evaluation.agent_id, Evaluation.grade).where(*given)).all()
    before = {}
    for object_id, grade in db.session.execute(
            select(AuditEvent.object_id, AuditEvent.from_status).where(
                AuditEvent.object_type == "evaluation", AuditEvent.action == "evaluation_edit",
                AuditEvent.at >= moment.cut, AuditEvent.object_id.in_(
                    select(Evaluation.id).where(*given)))
            .order_by(AuditEvent.id.desc())):
        before[object_id] = Grade(grade)   # the earliest edit after the moment wins
    return [(row.agent_id, before.get(row.id, row.grade)) for row in rows]


def awaiting_rectifications(center_id, moment):
    """[due date] of the rectifications awaiting a manager's answer at the moment (opened and
    not answered, or appealed and not answered again); one query."""
    cut, dues = moment.cut, []
    for r in db.session.scalars(select(Rectification).where(
            Rectification.center_id == center_id, Rectification.opened_at < cut,
            or_(Rectification.reviewed_at.is_(None), Rectification.reviewed_at >= cut))):
        appealed = r.appealed_at is not None and r.appealed_at < cut
        if appealed or r.responded_at is None or r.responded_at >= cut:
            dues.append(r.due_on if appealed or r.appealed_at is None else _first_due(r))
    return dues


def _first_due(rectification):
    """The first answer's due date: an appeal since then replaced it on the row."""
    opened = clock.local_date(rectification.opened_at)
    return workdays.add_workdays(opened, RESPONSE_WORKDAYS)
