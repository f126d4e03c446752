"""The monthly report as PDF: headline figures, the per-agent table and the overdue items,
built from the same reportlab blocks as the other documents."""
from flask_babel import gettext as _

from ..i18n import record_language
from . import common
from .common import grid_table, text, title_block


def _pct(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _headline_rows(h):
    avg = "—" if h.avg_workdays is None else f"{h.avg_workdays:.1f}"
    return [("新申请", h.new_requests), ("已受理", h.accepted), ("不予受理", h.declined),
            ("办结案件", h.cases_completed), ("办结事项", h.items_completed),
            ("按时办结率", _pct(h.on_time_rate)), ("超期率", _pct(h.overdue_rate)),
            ("平均办理工作日", avg), ("好评率", _pct(h.satisfaction_rate)),
            ("未结整改", f"{h.open_rectifications}（超期 {h.overdue_rectifications}）")]


def _agent_rows(loads, today):
    return [[load.agent.name, load.open_cases, load.open_steps, load.yellow, load.red,
             load.completed, _pct(load.on_time_rate),
             "—" if load.rating is None else f"{load.rating:.2f}",
             str(load.absence.state_label(today)) if load.absence else "在岗"]
            for load in loads]


def overdue_rows(data):
    """Approved late in the month, then still running past the due date. Also shown on the
    report page, so in the reader's language (the PDF forces Chinese)."""
    rows = [[row.number, row.name, str(row.due_on), _("%(day)s 批准", day=row.approved_on),
             row.correction_request or _("逾期批准")] for row in data["overdue"]]
    rows += [[step.case.number, step.item.name, str(step.due_on), _("超期未批"),
              step.correction_request or step.status.label] for step in data["late"]
             if step.due_on is not None and step.due_on < data["today"]]
    return [[str(cell) for cell in row] for row in rows]


@record_language()
def render(data):
    filters, center = data["filters"], data["center"]
    story = title_block(f"代办服务月度报告（{filters.start:%Y年%m月}）",
                        f"{filters.start} 至 {filters.end}")
    story.append(text("一、核心指标", "heading"))
    pairs = [(label, str(value)) for label, value in _headline_rows(data["headline"])]
    story.append(common.info_table([pairs[i] + pairs[i + 1] for i in range(0, len(pairs), 2)]))
    story.append(text("二、代办员工作量", "heading"))
    story.append(grid_table(["代办员", "进行中案件", "未办结环节", "临近到期", "超期", "期间批准",
                             "按时办结率", "平均评分", "休假状态"],
                            _agent_rows(data["loads"], data["today"]),
                            [0.13, 0.1, 0.11, 0.1, 0.08, 0.1, 0.13, 0.1, 0.15]))
    story.append(text("三、超期事项及原因", "heading"))
    rows = overdue_rows(data)
    if rows:
        story.append(grid_table(["案件编号", "审批事项", "到期日", "情况", "原因"], rows,
                                [0.2, 0.22, 0.14, 0.16, 0.28]))
    else:
        story.append(text("本月没有超期事项。"))
    return common.build_pdf(story, title="代办服务月度报告", header=center.name)
