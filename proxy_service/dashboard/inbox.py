"""The agent's inbox (dashboard/inbox.html), ready to print: the most urgent open cases and a
page of the steps needing action, each row a narrow SELECT's columns with its labels
translated once a page (core.words), instead of the ORM graphs of the steps, their cases,
items, prerequisites and sibling steps (benchmarks/pages_bench.py).

Statements: the cases and their count; the steps' count, the page's step ids, their rows and
their cases' unapproved prerequisites — the same number whatever the rows.
"""
from dataclasses import dataclass
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, bindparam, func, select
from sqlalchemy import case as when

from proxy_service.calendar import lights
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.pagination import paginate
from proxy_service.core.words import Words
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    OPEN_STEP_STATUSES,
    Agreement,
    ApprovalItem,
    Case,
    CaseStatus,
    Enterprise,
    Project,
    Step,
    StepStatus,
)
from proxy_service.workflow import step_rules, waits_on

# Most urgent first: filed steps (the department's clock runs), then work in hand;
# returned steps wait for the enterprise's correction, so they come last.
STEP_URGENCY = when({StepStatus.SUBMITTED.value: 0, StepStatus.PREPARING.value: 1,
                     StepStatus.PENDING.value: 2, StepStatus.RETURNED.value: 3},
                    value=Step.status, else_=4)

BY_RANK = tuple(lights.Light)
DUE_ON = _l("到期日")


@dataclass(slots=True, frozen=True)
class Badge:
    """A traffic light as printed: light (lights.Light), its label, the tooltip ("" none)."""
    light: lights.Light
    label: str
    title: str


@dataclass(slots=True, frozen=True)
class AgreementPart:
    """What step_rules.agreement_blocker reads of the agreement delegating a step: its columns,
    not an ORM object per row (loading those was a fifth of the inbox's time)."""
    id: int
    kind: object        # AgreementKind
    number: str
    state: object       # AgreementState


@dataclass(slots=True, frozen=True)
class CaseRow:
    id: int
    number: str
    enterprise: str
    project: str
    status: CaseStatus
    status_label: str
    badge: Badge
    promised_on: str      # "" without a promised date


@dataclass(slots=True, frozen=True)
class StepRow:
    id: int
    case_id: int
    case_number: str
    enterprise: str
    project: str
    item: str
    stage_label: str
    status: StepStatus
    status_label: str
    submitted_on: str
    badge: Badge
    due_on: str           # shown under the light while filed: "" otherwise
    waits: object         # the step_rules.Blocker it waits on, or None


def urgent_cases(mine, light, limit):
    """The most urgent `limit` of the open cases `mine` (a where clause) selects, as
    CaseRows, and how many there are. The light comes from the rank the database sorted by."""
    rank = lights.case_rank()
    open_cases = lights.with_light(select(Case.id).where(mine, Case.status.in_(OPEN_CASE_STATUSES)),
                                   rank, light)
    rows = db.session.execute(
        open_cases.add_columns(Case.number, Case.status, Case.promised_on,
                               Enterprise.name.label("enterprise"), Project.name.label("project"),
                               rank.label("rank"))
        .join(Enterprise, Enterprise.id == Case.enterprise_id)
        .join(Project, Project.id == Case.project_id)
        .order_by(rank, Case.submitted_at, Case.id).limit(limit))
    words = Words()
    cases = [CaseRow(row.id, row.number, row.enterprise, row.project, row.status,
                     words.label(row.status), _badge(words, row.rank, row.promised_on),
                     words.day(row.promised_on)) for row in rows]
    return cases, db.session.scalar(open_cases.with_only_columns(func.count(Case.id)))


def steps_to_handle(mine, light):
    """A page of the open steps of the in-progress cases `mine` selects, most urgent first:
    (the Pagination of their ids, their StepRows)."""
    rank = lights.step_rank()
    # Joined with the agent's cases (not "case_id IN (…)"), so the database starts from them.
    page = paginate(lights.with_light(
        select(Step.id).join(Step.case)
        .where(mine, Case.status == CaseStatus.IN_PROGRESS, Step.status.in_(OPEN_STEP_STATUSES)),
        rank, light)
        .order_by(rank, STEP_URGENCY, Step.due_on.asc().nulls_last(),
                  Step.submitted_on.asc().nulls_last(), Case.submitted_at,
                  Case.id, Step.stage_order, Step.sort, Step.id))
    return page, _step_rows(page.items)


def _step_rows(ids):
    found = {row.id: row for row in db.session.execute(
        _step_row_query(), {"ids": ids, "today": clock.today()})}
    unapproved = step_rules.unapproved_prerequisites_of(ids)
    words = Words()
    return [_step_row(found[step_id], words, unapproved.get(step_id, ()))
            for step_id in ids if step_id in found]


@cache
def _step_row_query():
    """The rows' statement, built once (building it cost more than running it): the page's
    step ids and today are its parameters."""
    return (select(Step.id, Step.case_id, Step.stage, Step.status, Step.submitted_on, Step.due_on,
                   Case.number, Enterprise.name.label("enterprise"), Project.name.label("project"),
                   ApprovalItem.name.label("item"),
                   lights.step_rank(bindparam("today", type_=Date)).label("rank"),
                   Step.agreement_id, Agreement.kind.label("agreement_kind"),
                   Agreement.number.label("agreement_number"),
                   Agreement.state.label("agreement_state"))
            .join(Case, Case.id == Step.case_id)
            .join(Enterprise, Enterprise.id == Case.enterprise_id)
            .join(Project, Project.id == Case.project_id)
            .join(ApprovalItem, ApprovalItem.id == Step.item_id)
            .outerjoin(Agreement, Agreement.id == Step.agreement_id)
            .where(Step.id.in_(bindparam("ids", expanding=True))))


def _step_row(row, words, unapproved):
    filed = row.status is StepStatus.SUBMITTED
    return StepRow(
        id=row.id, case_id=row.case_id, case_number=row.number, enterprise=row.enterprise,
        project=row.project, item=row.item, stage_label=words.label(row.stage),
        status=row.status, status_label=words.label(row.status),
        submitted_on=words.day(row.submitted_on), badge=_badge(words, row.rank, row.due_on),
        due_on=words.day(row.due_on) if filed else "",
        waits=waits_on(row.status, step_rules.blockers_in_progress(
            row.status, _agreement(row), unapproved)))


def _agreement(row):
    """The step's own agreement (a supplement), None for the case's main one."""
    if row.agreement_id is None:
        return None
    return AgreementPart(row.agreement_id, row.agreement_kind, row.agreement_number,
                         row.agreement_state)


def _badge(words, rank, due_on):
    return words.once((rank, due_on), lambda: Badge(
        BY_RANK[rank], words.label(BY_RANK[rank]),
        words.text(DUE_ON) + " " + words.day(due_on) if due_on else ""))
