"""The case's notices (DB14/T 2233 forms), each a pure function of its facts → PDF bytes:
一次性告知单 (at acceptance), 代办服务办结单 (at completion), 中止/终止通知书, 代办员变更通知书.

The facts (notice_facts.py) are taken when the notice is issued; dates come from them, never
the clock, so the same facts always give the same bytes. The center's 日期 line carries the
issue date; the enterprise's 签收 line stays blank for the hand-written date of receipt.
"""
from proxy_service.core.i18n import record_language
from proxy_service.documents.common import (
    build_pdf,
    cn_date,
    grid_table,
    info_table,
    iso_date,
    numbered,
    signature_block,
    text,
    title_block,
)

# The PDF's title and the series code in its number, per NoticeKind value.
TITLES = {"materials": ("代办事项一次性告知单", "GZ"), "completion": ("代办服务办结单", "BJ"),
          "suspend": ("代办服务中止通知书", "ZZ"), "terminate": ("代办服务终止通知书", "ZJ"),
          "change": ("代办员变更通知书", "BG")}
# The short name in file names and the dossier.
FILE_TITLES = {"materials": "一次性告知单", "completion": "代办服务办结单", "suspend": "中止通知书",
               "terminate": "终止通知书", "change": "代办员变更通知书"}

# Printed under the title of a notice stored after the fact (notice_history.py).
HISTORY_REMARK = ("本件系{stored}系统升级时依据操作记录，按签发日的案件状态补存；"
                  "版式与文字可能与当时出具的文书略有差异。")
RECONSTRUCTED_REMARK = ("本件系{stored}系统升级时补制：签发时的操作记录不全，"
                        "内容按补制时的案件数据生成，日期为补制日期。")
# Printed on a correction whose notice's moment the history cannot place (notice_corrections.py).
CORRECTED_FROM_TODAY_REMARK = "签发时的操作记录不全，本版内容按更正时的案件数据生成。"

# Kinds a case can have more than one of: their numbers carry a sequence.
REPEATING = ("suspend", "change")


def number(case_number, kind, seq):
    """The printed 编号: JZKFQ-2026-00001-GZ, or JZKFQ-2026-00001-ZZ-02 for the second
    suspension; shared by the corrected revisions."""
    code = TITLES[kind][1]
    return f"{case_number}-{code}-{seq:02d}" if kind in REPEATING else f"{case_number}-{code}"


def filename(kind, number, revision=1):
    suffix = f"-第{revision}版" if revision > 1 else ""
    return f"{number}-{FILE_TITLES[kind]}{suffix}.pdf"


@record_language()
def render(facts):
    """The notice's PDF bytes."""
    title, _code = TITLES[facts.kind]
    story = _BODIES[facts.kind](facts)
    number = f"编号：{facts.number}" + (f"　第{facts.revision}版" if facts.revision > 1 else "")
    head = [*title_block(title, number)]
    if facts.correction:
        head.append(text(f"本件为第{facts.revision}版，更正并取代此前各版。更正原因：{facts.correction}",
                         "small"))
    if facts.remark:
        head.append(text(facts.remark, "small"))
    return build_pdf([*head, *story], title=f"{title} {facts.number}",
                     header=facts.header.center_name, subject=FILE_TITLES[facts.kind])


def _parties(facts):
    h = facts.header
    agent = f"{h.agent_name} {h.agent_phone}" if h.agent_name else "待指派"
    return info_table([("委托单位", h.enterprise_name, "统一社会信用代码", h.uscc),
                       ("项目名称", h.project_name),
                       ("项目代码", h.project_code or "尚未赋码", "案件编号", h.case_number),
                       ("建设地点", h.location, "总投资", f"{h.investment} 万元"),
                       ("企业联系人", h.contact, "代办员", agent)])


def _center(facts):
    """The center's signature box: its name, address and phone, dated with the issue date."""
    h = facts.header
    lines = [h.center_name, f"地址：{h.center_address}" if h.center_address else "",
             f"电话：{h.center_phone}" if h.center_phone else ""]
    return ("服务中心（盖章）", lines, facts.issued_at)


RECEIPT = ("委托单位签收", ["经办人（签字）："])


# --- 一次性告知单 ----------------------------------------------------------------------

def _materials(facts):
    rows = [(str(n), s.item.name, s.item.department, s.item.mode, s.item.statutory,
             s.item.promised, numbered(s.item.materials))
            for n, s in enumerate(facts.steps, 1)]
    h = facts.header
    story = [
        text(f"{h.enterprise_name}：", "heading"),
        text(f"贵单位申请代办的“{h.project_name}”已于{cn_date(facts.accepted_at)}受理。"
             "现将各委托事项的审批部门、办理时限及所需材料一次性告知如下，请按清单准备材料，"
             "交由代办员统一报送。材料须真实、完整、合法，贵单位对其真实性负责。"),
        _parties(facts),
        text("委托事项及所需材料", "heading"),
        grid_table(("序号", "事项名称", "审批部门", "办理方式", "法定时限", "承诺时限", "所需材料"),
                   rows, (0.05, 0.16, 0.13, 0.08, 0.11, 0.11, 0.36)),
        text("说明", "heading"),
        text("1. 承诺时限自事项报送审批部门之日起计算；退回补正期间及代办中止期间不计入时限。\n"
             "2. 承诺制事项由贵单位签署告知承诺书后办理，承诺书须由贵单位自行签署。\n"
             "3. 代办服务免费；法律法规规定由申请人缴纳的费用及第三方中介服务费用由贵单位承担。"),
    ]
    if facts.comment:
        story += [text("其他告知事项", "heading"), text(facts.comment)]
    story.append(signature_block([_center(facts), RECEIPT]))
    return story


# --- 代办服务办结单 ---------------------------------------------------------------------

def _result(step):
    if step.state == "approved":
        label = "已批准（承诺制）" if step.by_commitment else "已批准"
        return label, step.permit_no, iso_date(step.approved_on), ""
    if step.state == "refused":
        return "不予许可", step.refusal_decision_no, iso_date(step.refused_on), step.refusal_reason
    return step.state_label, "", "", step.not_required_reason


def _corrections(step):
    """The item's 补正, from its filing rounds: how many, each return's day and the refiling's
    after it ("无补正" for an item filed without one; nothing if never filed)."""
    if not step.corrections:
        return ["无补正"] if step.filed else []
    lines = [f"补正{len(step.corrections)}次："]
    for n, (returned_on, refiled_on) in enumerate(step.corrections, 1):
        refiled = f"，{iso_date(refiled_on)}重新报送" if refiled_on else ""
        lines.append(f"{n}. {iso_date(returned_on)}退回{refiled}")
    return lines


def _result_row(n, step):
    label, number, day, note = _result(step)
    notes = "\n".join([*_corrections(step), *([note] if note else [])])
    return str(n), step.item.name, step.item.department, label, number, day, notes


def _completion(facts):
    rows = [_result_row(n, s) for n, s in enumerate(facts.steps, 1)]
    approved = [s for s in facts.steps if s.state == "approved"]
    handover = [(str(n), f"《{s.item.name}》批文/证照原件", s.permit_no, "原件")
                for n, s in enumerate(approved, 1)]
    handover += [(str(len(approved) + n), filename, sha[:16], "电子件（系统内可下载）")
                 for n, (filename, sha) in enumerate(facts.permits, 1)]
    return [
        text(f"受理日期：{cn_date(facts.accepted_at)}　　办结日期：{cn_date(facts.closed_at)}",
             "right"),
        _parties(facts),
        text("事项办理结果", "heading"),
        grid_table(("序号", "事项名称", "审批部门", "办理结果", "批文/证照/决定书编号", "批准/决定日期", "说明"),
                   rows, (0.05, 0.16, 0.13, 0.11, 0.19, 0.14, 0.22)),
        text("移交清单", "heading"),
        grid_table(("序号", "移交材料", "编号", "形式"), handover or [("—", "无", "", "")],
                   (0.08, 0.5, 0.24, 0.18)),
        text("委托单位已核对上列事项的办理结果，并签收全部批文、证照原件及申报材料原件。"
             "本次代办服务至此办结，欢迎对代办服务作出评价（好差评）。"),
        signature_block([
            ("代办员", [f"{facts.header.agent_name}（签字）："]),
            ("委托单位签收", ["经办人（签字）：", "单位（盖章）："]),
            ("服务中心（盖章）", [facts.header.center_name], facts.issued_at),
        ]),
    ]


# --- 中止 / 终止通知书 --------------------------------------------------------------------

STOP_TEXT = {
    "suspend": ("中止代办服务",
                "中止期间，各事项的承诺办理时限暂停计算。中止原因消除后，贵单位可向本中心申请恢复办理，"
                "恢复后时限继续计算。"),
    "terminate": ("终止代办服务",
                  "终止后，已取得的批文、证照继续有效，本中心将向贵单位移交已收取的全部材料原件；"
                  "如需继续办理，可重新申请代办服务。"),
}
STOP_TEXT["withdraw"] = ("根据贵单位撤回申请，终止代办服务", STOP_TEXT["terminate"][1])


def _stop(facts):
    """中止通知书 (action "suspend") or 终止通知书 ("terminate" / "withdraw"): the reason, the
    date, and where each item stood then."""
    verb, consequence = STOP_TEXT[facts.action]
    h = facts.header
    done = [(str(n), s.item.name, s.state_label, s.permit_no) for n, s in enumerate(facts.steps, 1)]
    return [
        text(f"{h.enterprise_name}：", "heading"),
        text(f"贵单位委托本中心代办的“{h.project_name}”（案件编号 {h.case_number}），"
             f"因下列原因，自{cn_date(facts.event_at)}起{verb}。"),
        text("原因", "heading"), text(facts.reason or "—"),
        text("事项办理情况", "heading"),
        grid_table(("序号", "事项名称", "当前状态", "批文/证照编号"), done or [("—", "无", "", "")],
                   (0.08, 0.42, 0.2, 0.3)),
        text("说明", "heading"), text(consequence),
        text("特此通知。"),
        signature_block([_center(facts), RECEIPT]),
    ]


# --- 代办员变更通知书 ----------------------------------------------------------------------

def _change(facts):
    """The agent changed after the agreement was sealed; the agreement stays as signed and
    this notice amends only who represents the center."""
    h = facts.header
    return [
        text(f"{h.enterprise_name}：", "heading"),
        text(f"根据双方签订的《代办委托协议》（协议编号 {facts.agreement_number}），本中心为贵单位"
             f"“{h.project_name}”指派的代办员自{cn_date(facts.event_at)}起变更如下："),
        info_table([("原代办员", facts.previous_agent or "—"),
                    ("新代办员", f"{h.agent_name} {h.agent_phone}"),
                    ("变更原因", facts.reason or "—"),
                    ("生效日期", cn_date(facts.event_at))]),
        text("原代办员经手的材料及办理记录已全部移交新代办员，各事项继续办理，承诺时限不因本次变更而"
             "重新计算。协议其余条款不变，本通知书作为协议的组成部分。"),
        signature_block([_center(facts), RECEIPT]),
    ]


_BODIES = {"materials": _materials, "completion": _completion, "suspend": _stop,
           "terminate": _stop, "change": _change}
