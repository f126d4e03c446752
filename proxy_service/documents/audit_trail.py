"""The case's audit trail (操作日志) as a PDF for the dossier: every event, internal ones too."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from proxy_service.core.extensions import db
from proxy_service.core.i18n import record_language
from proxy_service.documents.common import (
    build_pdf,
    cn_datetime,
    grid_table,
    info_table,
    text,
    title_block,
)
from proxy_service.models import AuditEvent, CaseStatus, StepStatus
from proxy_service.models.agreements import AgreementState

STATUS_ENUMS = {"case": CaseStatus, "step": StepStatus}
AGREEMENT_LABELS = {AgreementState.AWAITING_ENTERPRISE.value: "待企业签署",
                    AgreementState.AWAITING_PAPER_CHECK.value: "纸质签署待核对",
                    AgreementState.AWAITING_CENTER.value: "待中心签署",
                    AgreementState.SEALED.value: "已签署盖章", AgreementState.VOID.value: "已作废"}


def case_events(case):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                              .options(joinedload(AuditEvent.actor))
                              .order_by(AuditEvent.at, AuditEvent.id)).all()


def _status(event, value):
    if not value:
        return ""
    enum = STATUS_ENUMS.get(event.object_type)
    if enum is not None:
        try:
            return str(enum(value).label)
        except ValueError:
            pass
    return AGREEMENT_LABELS.get(value, value)


OBJECT_LABELS = {"case": "案件", "agreement": "协议", "document": "材料", "evaluation": "评价",
                 "rectification": "整改", "enterprise": "企业", "issuednotice": "文书"}


def _object(event, step_names):
    if event.object_type == "step":
        return step_names.get(event.object_id, f"事项 #{event.object_id}")
    label = OBJECT_LABELS.get(event.object_type, event.object_type)
    return label if event.object_type == "case" else f"{label} #{event.object_id}"


def _actor(event):
    if event.actor is None:
        return "系统"
    return f"{event.actor.name}（{event.actor.role.label}）"


@record_language()
def audit_trail_pdf(case, events, generated_at):
    """All `events` of `case` with Beijing time, actor, action, object, from → to and comment.
    `generated_at` (an aware datetime) is printed as the export time."""
    step_names = {step.id: step.item.name for step in case.steps}
    rows = []
    for event in events:
        change = " → ".join(filter(None, (_status(event, event.from_status),
                                          _status(event, event.to_status))))
        if event.from_status and event.from_status == event.to_status:
            change = _status(event, event.to_status)
        comment = ("〔内部〕" if event.internal else "") + (event.comment or "")
        rows.append((cn_datetime(event.at), _actor(event), str(event.action_label),
                     _object(event, step_names), change, comment))
    story = [
        *title_block("案件操作日志", f"案件编号：{case.number}"),
        info_table([("委托单位", case.enterprise.name), ("项目名称", case.project.name),
                    ("导出时间", f"{cn_datetime(generated_at)}（北京时间）", "记录条数", str(len(rows)))]),
        text("时间均为北京时间；“〔内部〕”标注的记录仅服务中心工作人员可见。", "small"),
        grid_table(("时间", "操作人", "操作", "对象", "状态变化", "说明"), rows or [("", "", "", "", "", "")],
                   (0.15, 0.15, 0.12, 0.15, 0.15, 0.28)),
    ]
    return build_pdf(story, title=f"案件操作日志 {case.number}", header=case.center.name,
                     subject="案件操作日志")
