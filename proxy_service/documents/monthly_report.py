"""The monthly report as PDF: headline figures, the per-agent table and the overdue items,
built from the same reportlab blocks as the other documents. The figures are those of the
month's end (dashboard/monthly.py); a stored version says which it is and, after the first,
why it was issued again.

The PDF carries the SHA-256 of the figures it prints (its Keywords), so that the page of a
closed month, counted again from the history, can tell whether the stored version still
agrees with it (`agrees`).
"""
import hashlib
import io
import json
import re

from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from proxy_service.core.i18n import record_language
from proxy_service.documents import common
from proxy_service.documents.common import cn_datetime, grid_table, text, title_block


def _pct(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


def rectifications(h):
    """The open rectifications and how many of them are overdue, as one figure."""
    return _("%(open)s（超期 %(overdue)s）", open=h.open_rectifications,
             overdue=h.overdue_rectifications)


def _headline_rows(h):
    avg = "—" if h.avg_workdays is None else f"{h.avg_workdays:.1f}"
    return [("新申请", h.new_requests), ("已受理", h.accepted), ("不予受理", h.declined),
            ("办结案件", h.cases_completed), ("办结事项", h.items_completed),
            ("按时办结率", _pct(h.on_time_rate)), ("超期率", _pct(h.overdue_rate)),
            ("平均办理工作日", avg), ("好评率", _pct(h.satisfaction_rate)),
            ("未结整改", rectifications(h))]


def _agent_rows(loads, day):
    return [[load.agent.name, load.open_cases, load.open_steps, load.yellow, load.red,
             load.completed, _pct(load.on_time_rate),
             "—" if load.rating is None else f"{load.rating:.2f}",
             str(load.absence.state_label(day)) if load.absence else "在岗"]
            for load in loads]


def reason_text(reasons):
    """What stopped a step's clock, in the reader's language: each 补正 asked and each
    suspension's reason (as_of.reasons), or that the record holds none."""
    parts = [_("补正：%(text)s", text=text) if kind == "returned" else _("中止：%(text)s", text=text)
             for kind, text in reasons]
    return _("；").join(parts) if parts else _("未记录补正或中止")


def overdue_rows(overdue):
    """The rows of the overdue table (monthly.Overdue): approved late, then undecided at the
    month's end. Also shown on the report page, so in the reader's language (the PDF forces
    Chinese)."""
    return [[item.case_number, item.item_name, str(item.due_on),
             _("%(day)s 批准", day=item.decided_on) if item.decided_on else _("超期未批"),
             reason_text(item.reasons)] for item in overdue]


def as_of_line(data):
    """Which moment the figures are of: the month's end, or today while the month runs."""
    moment = data["moment"]
    if moment.over:
        return _("数据截至 %(day)s 日终", day=moment.day)
    return _("本月尚未结束，数据截至 %(day)s", day=moment.day)


DIGEST = "figures-sha256:"


def _tables(data):
    """The figures as the PDF prints them: headline pairs, workload rows, overdue rows."""
    return ([(label, str(value)) for label, value in _headline_rows(data["headline"])],
            _agent_rows(data["loads"], data["moment"].day), overdue_rows(data["overdue"]))


def _digest(tables):
    return hashlib.sha256(json.dumps(tables, ensure_ascii=False).encode()).hexdigest()


def agrees(data, pdf):
    """Whether the stored version `pdf` prints the figures `data` holds (compared by their
    digest); None when it carries no digest (stored before the PDFs did) or cannot be read."""
    try:
        keywords = (PdfReader(io.BytesIO(pdf)).metadata or {}).get("/Keywords") or ""
    except (PyPdfError, ValueError):
        return None
    stored = re.search(re.escape(DIGEST) + "([0-9a-f]{64})", str(keywords))
    if stored is None:
        return None
    with record_language():
        return stored.group(1) == _digest(_tables(data))


@record_language()
def render(data, issue=None):
    """The PDF bytes. `issue` (version, issued_at, reason) for a stored version."""
    filters, center = data["filters"], data["center"]
    story = title_block(f"代办服务月度报告（{filters.start:%Y年%m月}）",
                        f"{filters.start} 至 {filters.end}（{as_of_line(data)}）")
    if issue is not None:
        version, issued_at, reason = issue
        line = f"第 {version} 版，生成于 {cn_datetime(issued_at)}"
        story.append(text(f"{line}；重新生成原因：{reason}" if reason else line, "subtitle"))
    tables = pairs, agents, rows = _tables(data)
    story.append(text("一、核心指标", "heading"))
    story.append(common.info_table([pairs[i] + pairs[i + 1] for i in range(0, len(pairs), 2)]))
    story.append(text("二、代办员工作量", "heading"))
    story.append(grid_table(["代办员", "进行中案件", "未办结环节", "临近到期", "超期", "期间批准",
                             "按时办结率", "平均评分", "休假状态"],
                            agents, [0.13, 0.1, 0.11, 0.1, 0.08, 0.1, 0.13, 0.1, 0.15]))
    story.append(text("三、超期事项及原因", "heading"))
    if rows:
        story.append(grid_table(["案件编号", "审批事项", "到期日", "情况", "原因"], rows,
                                [0.2, 0.22, 0.14, 0.16, 0.28]))
    else:
        story.append(text("本月没有超期事项。"))
    return common.build_pdf(story, title="代办服务月度报告", header=center.name,
                            keywords=DIGEST + _digest(tables))
