"""CSV (UTF-8 with BOM, streamed) and XLSX exports of the managers' lists: the filtered case
list, the open-step list and the per-agent workload, with the columns shown on screen."""
import csv
import io

from flask import Response, abort, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from proxy_service import permissions
from proxy_service.calendar import lights
from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.dashboard import bp, figures
from proxy_service.identity.reauth import demand_recent_reauth
from proxy_service.models import (
    OPEN_CASE_STATUSES,
    OPEN_STEP_STATUSES,
    Case,
    CaseStatus,
    Enterprise,
    Project,
    Step,
    User,
)

# A spreadsheet runs a cell starting with these as a formula (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500             # rows fetched from the database at a time
LINES_PER_CHUNK = 100   # CSV lines per piece of the streamed response


def neutralise(value):
    """The cell value as text, with a leading apostrophe if a spreadsheet would run it."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _percent(rate):
    return "" if rate is None else f"{rate * 100:.1f}%"


# Working lists, not records: the headers follow the manager's interface language.
CASE_HEADER = [_l("案件编号"), _l("企业"), _l("项目"), _l("代办员"), _l("状态"), _l("申请日期"),
               _l("承诺办结日")]
STEP_HEADER = [_l("案件编号"), _l("企业"), _l("审批事项"), _l("阶段"), _l("代办员"), _l("状态"),
               _l("报送日期"), _l("到期日"), _l("信号灯")]
WORKLOAD_HEADER = [_l("代办员"), _l("进行中案件"), _l("未办结审批环节"), _l("临近到期"), _l("超期"),
                   _l("期间批准"), _l("按时办结率"), _l("平均评分"), _l("休假状态")]


def _date(value):
    return value.isoformat() if value else ""


def case_rows(filters, status=None, light=None):
    """The rows of every case matching the filters, newest first. Plain columns rather than
    objects, fetched BATCH at a time (yield_per; a server-side cursor on PostgreSQL): the
    first rows leave while the rest are still being read, and memory stays flat."""
    rank = lights.case_rank()
    query = lights.with_light(
        select(Case.number, Enterprise.name, Project.name, User.name, Case.status,
               Case.submitted_at, Case.promised_on)
        .join(Case.enterprise).join(Case.project).outerjoin(Case.agent)
        .where(*filters.case_conditions(current_user.center_id)), rank, light)
    if filters.stage:
        query = query.where(Case.steps.any(Step.stage == filters.stage))
    if status:
        query = query.where(Case.status == status)
    labels = {value: str(value.label) for value in CaseStatus}
    rows = db.session.execute(query.order_by(Case.submitted_at.desc(), Case.id.desc())
                              .execution_options(yield_per=BATCH))
    for number, enterprise, project, agent, case_status, submitted_at, promised_on in rows:
        yield [number, enterprise, project, agent or "", labels[case_status],
               figures._local(submitted_at).isoformat(), _date(promised_on)]


def step_rows(filters, light=None):
    rank = lights.step_rank()
    query = lights.with_light(select(Step, rank).join(Step.case).where(
        *filters.step_conditions(current_user.center_id), Case.status.in_(OPEN_CASE_STATUSES),
        Step.status.in_(OPEN_STEP_STATUSES)), rank, light)
    query = query.options(joinedload(Step.item), joinedload(Step.case).joinedload(Case.enterprise),
                          joinedload(Step.case).joinedload(Case.agent)).order_by(
        rank, Step.due_on, Step.id)
    by_rank = list(lights.Light)
    for step, step_rank in db.session.execute(query.execution_options(yield_per=BATCH)):
        case = step.case
        yield [case.number, case.enterprise.name, step.item.name, str(step.stage.label),
               case.agent.name if case.agent else "", str(step.status.label),
               _date(step.submitted_on), _date(step.due_on), str(by_rank[step_rank].label)]


def workload_rows(filters, sort="name"):
    today = clock.today()
    for load in figures.workload(current_user.center_id, filters, sort=sort):
        yield [load.agent.name, load.open_cases, load.open_steps, load.yellow, load.red,
               load.completed, _percent(load.on_time_rate),
               "" if load.rating is None else f"{load.rating:.2f}",
               str(load.absence.state_label(today)) if load.absence else _("在岗")]


EXPORTS = ("cases", "steps", "workload")


def _table(kind):
    filters = figures.parse_filters(request.args)
    light = lights.parse_light(request.args.get("light"))
    if kind == "cases":
        status = next((s for s in CaseStatus if s.value == request.args.get("status")), None)
        return CASE_HEADER, case_rows(filters, status, light)
    if kind == "steps":
        return STEP_HEADER, step_rows(filters, light)
    return WORKLOAD_HEADER, workload_rows(filters, request.args.get("sort", "name"))


def csv_stream(header, rows):
    """The CSV text in chunks: a BOM so that Excel reads UTF-8, then the header line, then
    LINES_PER_CHUNK rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for number, row in enumerate(_chain(header, rows)):
        writer.writerow([neutralise(cell) for cell in row])
        if number % LINES_PER_CHUNK == 0:   # the header alone, then full chunks
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _chain(header, rows):
    yield [str(cell) for cell in header]
    yield from rows


def xlsx_bytes(header, rows):
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in _chain(header, rows):
        # Numbers stay numbers; text is neutralised and written as a string cell.
        sheet.append([cell if isinstance(cell, (int, float)) else neutralise(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@bp.get("/manage/export")
@permissions.manager_required
def export():
    """?list=cases|steps|workload&format=csv|xlsx, with the dashboard's filters. Asks for
    the password again first (identity/reauth.py)."""
    kind, fmt = request.args.get("list"), request.args.get("format")
    if kind not in EXPORTS or fmt not in ("csv", "xlsx"):
        abort(404)
    if (ask := demand_recent_reauth()) is not None:
        return ask
    header, rows = _table(kind)
    name = f"{kind}-{clock.today():%Y%m%d}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text/* mimetype.
        return Response(stream_with_context(csv_stream(header, rows)),
                        content_type="text/csv; charset=utf-8", headers=disposition)
    return Response(xlsx_bytes(header, rows), headers=disposition, mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
