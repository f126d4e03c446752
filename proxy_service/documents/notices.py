"""The case's generated notices (DB14/T 2233 forms), each a pure function of the data → PDF bytes:
一次性告知单 (at acceptance), 代办服务办结单 (at completion), 中止/终止通知书, 变更通知书.

Dates come from the records (acceptance, closing, the audit event, the assignment), never the
clock, so the same data always give the same bytes.
"""
from ..i18n import record_language
from ..models import StepStatus
from ..templating import wan
from .common import (build_pdf, cn_date, grid_table, info_table, iso_date, numbered,
                     signature_block, text, title_block)


def _limit(value, unit):
    return f"{value}{unit.label}" if value is not None else "—"


def _parties(case):
    enterprise, project = case.enterprise, case.project
    rows = [("委托单位", enterprise.name, "统一社会信用代码", enterprise.uscc),
            ("项目名称", project.name),
            ("项目代码", project.code or "尚未赋码", "案件编号", case.number),
            ("建设地点", project.location, "总投资", f"{wan(project.total_investment)} 万元"),
            ("企业联系人", f"{case.contact_name} {case.contact_mobile}",
             "代办员", f"{case.agent.name} {case.agent.phone}" if case.agent else "待指派")]
    return info_table(rows)


def _center_lines(case):
    center = case.center
    return [center.name, f"地址：{center.address}" if center.address else "",
            f"电话：{center.phone}" if center.phone else ""]


def _pdf(case, title, number, story, subject):
    return build_pdf([*title_block(title, number), *story], title=f"{title} {number}",
                     header=case.center.name, subject=subject)


# --- 一次性告知单 ----------------------------------------------------------------------

@record_language()
def materials_notice(case, accept_comment=""):
    """一次性告知单: each delegated item's materials, department and limits, dated at acceptance."""
    rows = [(str(n), step.item.name, step.item.department, step.item.mode.label,
             _limit(step.item.statutory_limit, step.item.statutory_unit),
             _limit(step.item.promised_limit, step.item.promised_unit),
             numbered(step.item.material_list))
            for n, step in enumerate(case.steps, 1)]
    story = [
        text(f"{case.enterprise.name}：", "heading"),
        text(f"贵单位申请代办的“{case.project.name}”已于{cn_date(case.accepted_at)}受理。"
             "现将各委托事项的审批部门、办理时限及所需材料一次性告知如下，请按清单准备材料，"
             "交由代办员统一报送。材料须真实、完整、合法，贵单位对其真实性负责。"),
        _parties(case),
        text("委托事项及所需材料", "heading"),
        grid_table(("序号", "事项名称", "审批部门", "办理方式", "法定时限", "承诺时限", "所需材料"),
                   rows, (0.05, 0.16, 0.13, 0.08, 0.11, 0.11, 0.36)),
        text("说明", "heading"),
        text("1. 承诺时限自事项报送审批部门之日起计算；退回补正期间及代办中止期间不计入时限。\n"
             "2. 承诺制事项由贵单位签署告知承诺书后办理，承诺书须由贵单位自行签署。\n"
             "3. 代办服务免费；法律法规规定由申请人缴纳的费用及第三方中介服务费用由贵单位承担。"),
    ]
    if accept_comment:
        story += [text("其他告知事项", "heading"), text(accept_comment)]
    story.append(signature_block([
        ("服务中心（盖章）", _center_lines(case)),
        ("委托单位签收", ["经办人（签字）："]),
    ]))
    return _pdf(case, "代办事项一次性告知单", f"编号：{case.number}-GZ", story, "一次性告知单")


# --- 代办服务办结单 ---------------------------------------------------------------------

def _result(step):
    if step.status is StepStatus.APPROVED:
        label = "已批准（承诺制）" if step.by_commitment else "已批准"
        return label, step.permit_no, iso_date(step.approved_on), ""
    if step.status is StepStatus.REFUSED:
        return "不予许可", step.refusal_decision_no, "", step.refusal_reason
    return step.status.label, "", "", step.not_required_reason


def _corrections(step):
    """The item's 补正, from its stored filing rounds: how many, each return's day and the
    refiling's after it ("无补正" for an item filed without one; nothing if never filed)."""
    rounds = step.rounds
    returns = [(filing, after) for filing, after in zip(rounds, [*rounds[1:], None])
               if filing.returned_on is not None]
    if not returns:
        return ["无补正"] if rounds else []
    lines = [f"补正{len(returns)}次："]
    for n, (filing, after) in enumerate(returns, 1):
        refiled = f"，{iso_date(after.filed_on)}重新报送" if after else ""
        lines.append(f"{n}. {iso_date(filing.returned_on)}退回{refiled}")
    return lines


def _result_row(n, step):
    label, number, day, note = _result(step)
    notes = "\n".join([*_corrections(step), *([note] if note else [])])
    return str(n), step.item.name, step.item.department, label, number, day, notes


@record_language()
def completion_form(case, permit_documents=()):
    """代办服务办结单: each item's result (permit number and date, or refusal / not required and
    why, and its 补正 rounds), the hand-over list of originals and electronic copies, and
    signature lines."""
    rows = [_result_row(n, step) for n, step in enumerate(case.steps, 1)]
    handover = [(str(n), f"《{step.item.name}》批文/证照原件", step.permit_no, "原件")
                for n, step in enumerate(
                    [s for s in case.steps if s.status is StepStatus.APPROVED], 1)]
    start = len(handover)
    handover += [(str(start + n), document.filename, document.sha256[:16], "电子件（系统内可下载）")
                 for n, document in enumerate(permit_documents, 1)]
    story = [
        text(f"受理日期：{cn_date(case.accepted_at)}　　办结日期：{cn_date(case.closed_at)}", "right"),
        _parties(case),
        text("事项办理结果", "heading"),
        grid_table(("序号", "事项名称", "审批部门", "办理结果", "批文/证照/决定书编号", "批准日期", "说明"),
                   rows, (0.05, 0.16, 0.13, 0.11, 0.19, 0.14, 0.22)),
        text("移交清单", "heading"),
        grid_table(("序号", "移交材料", "编号", "形式"), handover or [("—", "无", "", "")],
                   (0.08, 0.5, 0.24, 0.18)),
        text("委托单位已核对上列事项的办理结果，并签收全部批文、证照原件及申报材料原件。"
             "本次代办服务至此办结，欢迎对代办服务作出评价（好差评）。"),
        signature_block([
            ("代办员", [f"{case.agent.name if case.agent else ''}（签字）："]),
            ("委托单位签收", ["经办人（签字）：", "单位（盖章）："]),
            ("服务中心（盖章）", [case.center.name]),
        ]),
    ]
    return _pdf(case, "代办服务办结单", f"编号：{case.number}-BJ", story, "代办服务办结单")


# --- 中止 / 终止通知书 --------------------------------------------------------------------

STOP_TEXT = {
    "suspend": ("代办服务中止通知书", "ZZ", "中止代办服务",
                "中止期间，各事项的承诺办理时限暂停计算。中止原因消除后，贵单位可向本中心申请恢复办理，"
                "恢复后时限继续计算。"),
    "terminate": ("代办服务终止通知书", "ZJ", "终止代办服务",
                  "终止后，已取得的批文、证照继续有效，本中心将向贵单位移交已收取的全部材料原件；"
                  "如需继续办理，可重新申请代办服务。"),
    "withdraw": ("代办服务终止通知书", "ZJ", "根据贵单位撤回申请，终止代办服务",
                 "终止后，已取得的批文、证照继续有效，本中心将向贵单位移交已收取的全部材料原件；"
                 "如需继续办理，可重新申请代办服务。"),
}


@record_language()
def stop_notice(case, event):
    """中止通知书 (event.action "suspend") or 终止通知书 ("terminate" / "withdraw"), with the
    event's reason and date, and what was done by then."""
    title, code, verb, consequence = STOP_TEXT[event.action]
    done = [(str(n), step.item.name, step.status.label, step.permit_no or "")
            for n, step in enumerate(case.steps, 1)]
    story = [
        text(f"{case.enterprise.name}：", "heading"),
        text(f"贵单位委托本中心代办的“{case.project.name}”（案件编号 {case.number}），"
             f"因下列原因，自{cn_date(event.at)}起{verb}。"),
        text("原因", "heading"), text(event.comment or "—"),
        text("事项办理情况", "heading"),
        grid_table(("序号", "事项名称", "当前状态", "批文/证照编号"), done or [("—", "无", "", "")],
                   (0.08, 0.42, 0.2, 0.3)),
        text("说明", "heading"), text(consequence),
        text("特此通知。"),
        signature_block([("服务中心（盖章）", _center_lines(case)),
                         ("委托单位签收", ["经办人（签字）："])]),
    ]
    number = f"编号：{case.number}-{code}-{event.id}"
    return _pdf(case, title, number, story, title)


# --- 变更通知书 --------------------------------------------------------------------------

@record_language()
def change_notice(case, assignment, previous, agreement):
    """变更通知书: the agent changed after `agreement` was sealed; the agreement stays as signed
    and this notice amends only who represents the center."""
    old, new = previous.agent if previous else None, assignment.agent
    story = [
        text(f"{case.enterprise.name}：", "heading"),
        text(f"根据双方签订的《代办委托协议》（协议编号 {agreement.number}），本中心为贵单位"
             f"“{case.project.name}”指派的代办员自{cn_date(assignment.assigned_at)}起变更如下："),
        info_table([("原代办员", f"{old.name} {old.phone}" if old else "—"),
                    ("新代办员", f"{new.name} {new.phone}"),
                    ("变更原因", assignment.reason or "—"),
                    ("生效日期", cn_date(assignment.assigned_at))]),
        text("原代办员经手的材料及办理记录已全部移交新代办员，各事项继续办理，承诺时限不因本次变更而"
             "重新计算。协议其余条款不变，本通知书作为协议的组成部分。"),
        signature_block([("服务中心（盖章）", _center_lines(case)),
                         ("委托单位签收", ["经办人（签字）："])]),
    ]
    number = f"编号：{agreement.number}-BG-{assignment.id}"
    return _pdf(case, "代办员变更通知书", number, story, "变更通知书")
