"""The case list's rows (cases/index.html), ready to print.

A page of the list is two steps: the ids of the page's cases, in the list's order (the
pagination counts and pages them: a narrow select the index answers), then one SELECT of
the columns a row shows for those ids — names, agent, light, progress and, for an
enterprise, whether the case waits for its rating — instead of each case's ORM graph with
its steps. Labels and formats are looked up once a page (Words), not once a row: at 100,000
cases the rows were most of the page's time (benchmarks/pages_bench.py).
"""
from dataclasses import dataclass
from functools import cache

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, and_, bindparam, exists, func, literal, select

from proxy_service.calendar import lights
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.core.fragment_cache import Fragment
from proxy_service.core.words import Words
from proxy_service.models import (
    OPEN_STEP_STATUSES,
    Case,
    CaseStatus,
    Enterprise,
    Evaluation,
    Project,
    Stage,
    Step,
    User,
)

BY_RANK = tuple(lights.Light)
PROGRESS, DUE_ON, PROMISED = _l("%(done)s / %(total)s 项"), _l("到期日"), _l("承诺办结")


@dataclass(slots=True, frozen=True)
class CaseRow:
    id: int
    number: str
    project: str
    enterprise: str
    status: CaseStatus
    status_label: str
    progress: str
    light: lights.Light
    light_label: str
    due_title: str          # the light's tooltip: 到期日 and the promised date, or ""
    promised: str           # 承诺办结 and the date while the case is open, or ""
    agent: bool             # assigned to an agent yet
    agent_name: str | None
    agent_phone: str
    submitted: str
    awaits_rating: bool     # completed, and its enterprise has not rated it yet


def apply_filters(query, form, center_id):
    """Narrow the managers' list (of `center_id`) by the GET filters of `form` (a
    CaseFilterForm); unknown values are ignored."""
    if status := form.value("status"):
        query = query.where(Case.status == CaseStatus(status))
    if agent_id := form.value("agent"):
        query = query.where(Case.agent_id == agent_id)
    # Correlated EXISTS, not IN (subquery), as Case.in_stage (benchmarks/pages_bench.py). The
    # industry first: SQLite tests the conditions in this order, and the project's industry
    # (one row) rules out most cases before their steps are read for the stage.
    if industry_id := form.value("industry"):
        query = query.where(Case.project.has(Project.industry_id == industry_id))
    if stage := form.value("stage"):
        query = query.where(Case.in_stage(Stage(stage)))
    if text := (form.q.data or "").strip():
        # No index serves "contains": the names are scanned, but only the center's projects
        # (index on projects (center_id, name)) and every enterprise (a twentieth as many);
        # the cases are then matched in the index on cases (center_id, submitted_at, …).
        query = query.where(
            Case.enterprise_id.in_(select(Enterprise.id).where(
                _contains(Enterprise.name, text)))
            | Case.project_id.in_(select(Project.id).where(
                Project.center_id == center_id, _contains(Project.name, text))))
    return query


def filters_fragment(form, agents, industries):
    """The filter form's HTML as a cached fragment: WTForms drew its selects at ~2.5 ms a page
    (benchmarks/pages_bench.py). Keyed by everything the form shows — the locale, the script
    root, what was chosen and typed (and the two args kept as hidden fields), any error, and
    the choices read for this page (`agents` and `industries`: (value, label) pairs) — so a
    renamed agent or a new industry shows at once. No CSRF token: the form is a GET."""
    chosen = tuple((field.name, field.data, tuple(field.errors)) for field in form)
    kept = tuple(request.args.get(key) for key in ("light", "sort"))
    return Fragment("case-filters", (str(get_locale()), request.script_root, chosen, kept,
                                     tuple(agents), tuple(industries)))


def _contains(column, text):
    """`column` contains `text`, ignoring case: ILIKE on PostgreSQL; on SQLite a plain LIKE,
    which ignores the case of ASCII letters already — the only ones SQLite's lower() knows
    (Chinese has no case) — so icontains' lower() on both sides only doubled the scan."""
    if db.session.get_bind().dialect.name == "sqlite":
        return column.contains(text, autoescape=True)
    return column.icontains(text, autoescape=True)


def page_ids(query):
    """`query` (a select of Case with the list's filters and order) as a select of the ids."""
    return query.with_only_columns(Case.id)


def case_rows(user, ids):
    """The rows of the cases `ids` (a page of the list, already scoped to `user`), in that
    order. One statement."""
    if not ids:
        return []
    words = Words()
    found = {row.id: row for row in db.session.execute(
        _row_query(user.is_enterprise), {"ids": ids, "today": clock.today()})}
    return [_row(found[case_id], words) for case_id in ids if case_id in found]


@cache
def _row_query(for_enterprise):
    """The row statement, built once (building it cost more than running it): the page's
    ids and today are its parameters."""
    def steps(*where):
        return select(func.count()).where(Step.case_id == Case.id, *where).scalar_subquery()
    # Only an enterprise is asked to rate (workflow.quality); staff rows never await it.
    awaits_rating = and_(Case.status == CaseStatus.COMPLETED,
                         ~exists().where(Evaluation.case_id == Case.id)) \
        if for_enterprise else literal(False)
    return (select(Case.id, Case.number, Case.status, Case.promised_on, Case.submitted_at,
                   Case.agent_id, Project.name.label("project"),
                   Enterprise.name.label("enterprise"), User.name.label("agent_name"),
                   User.phone.label("agent_phone"),
                   lights.case_rank(bindparam("today", type_=Date)).label("rank"),
                   steps(Step.status.notin_(OPEN_STEP_STATUSES)).label("done"),
                   steps().label("total"), awaits_rating.label("awaits_rating"))
            .join(Project, Project.id == Case.project_id)
            .join(Enterprise, Enterprise.id == Case.enterprise_id)
            .outerjoin(User, User.id == Case.agent_id)
            .where(Case.id.in_(bindparam("ids", expanding=True))))


def _row(row, words):
    light = BY_RANK[row.rank]
    promised_day = words.day(row.promised_on)   # "" without a date
    return CaseRow(
        id=row.id, number=row.number, project=row.project, enterprise=row.enterprise,
        status=row.status, status_label=words.label(row.status),
        progress=words.text(PROGRESS, done=row.done, total=row.total),
        light=light, light_label=words.label(light),
        due_title=words.text(DUE_ON) + " " + promised_day if row.promised_on else "",
        promised=words.text(PROMISED) + " " + promised_day
        if row.promised_on and row.status.is_open else "",
        agent=row.agent_id is not None, agent_name=row.agent_name, agent_phone=row.agent_phone,
        submitted=words.beijing_day(row.submitted_at),
        awaits_rating=bool(row.awaits_rating))
