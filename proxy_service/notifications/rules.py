"""Which audit actions notify whom, and with which words: the one table of notifications.

Each rule names a notification kind and, per audience, the text that audience reads.
Audiences:
  enterprise   active users of the case's (or event's) enterprise
  agent        the case's responsible agent (after the change)
  old_agent    the agent a re-assignment took the case from
  managers     active managers of the event's center
  other_side   for a message: the enterprise when staff wrote it, else the agent
               (or the managers while no agent is assigned)
The actor never hears about their own action, and internal events reach staff only.

Texts are %-formatted with: case, project, enterprise, step, comment, agent, actor,
correction, permit, refusal, due; for agreement events also agreement (its number) and
reason (the comment after the number). SMS never carry them: an SMS names a template
(SMS_TEMPLATES in outbox.py; "notice" when there is no case) filled with the case
number and a link only.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Rule:
    kind: str
    texts: dict                      # audience -> lazy text
    sms: str = "case_update"         # SMS template key for enterprise users (on a case)
    staff_sms: str = "staff_todo"    # SMS template key for staff (on a case); else "notice"
    target: str = "case"             # link: case | step | agreement | enterprise | claims | profile
    actor_role: str = ""             # when set, only actions by this role notify


KIND_TITLES = {
    "case_submitted": _l("新的代办申请"), "case_accepted": _l("代办申请已受理"),
    "case_declined": _l("代办申请不予受理"), "case_assigned": _l("已指派代办员"),
    "case_reassigned": _l("代办员改派"), "case_suspended": _l("案件中止"),
    "case_resumed": _l("案件恢复办理"), "case_completed": _l("案件办结"),
    "case_terminated": _l("案件终止"), "case_withdrawn": _l("企业撤回申请"),
    "step_changed": _l("事项进展"), "step_returned": _l("退回补正"),
    "message": _l("新留言"), "enterprise_registered": _l("新企业注册"),
    "enterprise_claim": _l("企业认领申请"), "enterprise_verified": _l("企业核验结果"),
    "agreement_ready": _l("协议待签署"), "agreement_signed": _l("协议已签署"),
    "agreement_sealed": _l("协议已生效"), "step_yellow": _l("事项即将到期"),
    "step_red": _l("事项已超期"),
    "deadlines_moved": _l("期限调整"),
    "webhook_failing": _l("事件推送失败"),
}

RULES = {
    "submit_case": Rule("case_submitted", {
        "managers": _l("新的代办申请 %(case)s：%(enterprise)s「%(project)s」，请受理。")}),
    "accept": Rule("case_accepted", {
        "enterprise": _l("您的代办申请 %(case)s（%(project)s）已受理。")}),
    "decline": Rule("case_declined", {
        "enterprise": _l("您的代办申请 %(case)s 不予受理，理由：%(comment)s")}),
    "assign": Rule("case_assigned", {
        "enterprise": _l("您的案件 %(case)s 已指派代办员：%(agent)s。"),
        "agent": _l("您被指派负责案件 %(case)s：%(enterprise)s「%(project)s」。")}),
    "reassign": Rule("case_reassigned", {
        "enterprise": _l("您的案件 %(case)s 的代办员已变更为 %(agent)s。"),
        "agent": _l("案件 %(case)s 已改派由您负责：%(enterprise)s「%(project)s」。"),
        "old_agent": _l("案件 %(case)s 已改派给 %(agent)s，您不再负责此案件。")}),
    "suspend": Rule("case_suspended", {
        "enterprise": _l("案件 %(case)s 已中止办理：%(comment)s"),
        "agent": _l("案件 %(case)s 已中止办理：%(comment)s")}),
    "resume": Rule("case_resumed", {
        "enterprise": _l("案件 %(case)s 已恢复办理。"), "agent": _l("案件 %(case)s 已恢复办理。")}),
    "complete": Rule("case_completed", {
        "enterprise": _l("案件 %(case)s 的全部事项已办结。"),
        "agent": _l("案件 %(case)s 的全部事项已办结。")}),
    "terminate": Rule("case_terminated", {
        "enterprise": _l("案件 %(case)s 已终止：%(comment)s"),
        "agent": _l("案件 %(case)s 已终止：%(comment)s")}),
    "withdraw": Rule("case_withdrawn", {
        "agent": _l("企业已撤回案件 %(case)s：%(comment)s"),
        "managers": _l("企业已撤回案件 %(case)s：%(comment)s")}),
    "start": Rule("step_changed", {
        "enterprise": _l("案件 %(case)s 的事项「%(step)s」已开始准备材料。")}, target="step"),
    "submit": Rule("step_changed", {
        "enterprise": _l("案件 %(case)s 的事项「%(step)s」已报送审批部门。")}, target="step"),
    "return": Rule("step_returned", {
        "enterprise": _l("案件 %(case)s 的事项「%(step)s」被退回补正，请补正：%(correction)s")},
        sms="correction", target="step"),
    # One per case, listing its dates a calendar change moved (deadline_recompute.py).
    "deadlines_moved": Rule("deadlines_moved", {
        "enterprise": _l("因节假日调整，案件 %(case)s 的办理期限已变更：%(comment)s"),
        "agent": _l("因节假日调整，案件 %(case)s 的办理期限已变更：%(comment)s")},
        staff_sms="case_update"),
    "approve": Rule("step_changed", {
        "enterprise": _l("案件 %(case)s 的事项「%(step)s」已批准，批文编号 %(permit)s。")},
        target="step"),
    "refuse": Rule("step_changed", {
        "enterprise": _l("案件 %(case)s 的事项「%(step)s」不予许可：%(refusal)s")}, target="step"),
    "skip": Rule("step_changed", {
        "enterprise": _l("案件 %(case)s 的事项「%(step)s」无需办理。")}, target="step"),
    "message": Rule("message", {
        "other_side": _l("案件 %(case)s 有新留言（%(actor)s）：%(comment)s")}),
    "register": Rule("enterprise_registered", {
        "managers": _l("新企业注册：%(enterprise)s，请核验其营业执照。")}, target="enterprise"),
    "claim": Rule("enterprise_claim", {
        "managers": _l("企业认领申请：%(enterprise)s（%(comment)s），请处理。")}, target="claims"),
    "verify": Rule("enterprise_verified", {
        "enterprise": _l("贵企业 %(enterprise)s 的营业执照已核验通过。")}, target="profile"),
    "reject": Rule("enterprise_verified", {
        "enterprise": _l("贵企业 %(enterprise)s 的营业执照核验未通过：%(comment)s")}, target="profile"),
    # The delegation agreement (代办委托协议), as signing.py and paper_signing.py record it.
    "agreement_generate": Rule("agreement_ready", {
        "enterprise": _l("案件 %(case)s 的代办委托协议已生成，请签署。")}, target="agreement"),
    "agreement_regenerate": Rule("agreement_ready", {
        "enterprise": _l("案件 %(case)s 的代办委托协议已重新生成，请签署。")}, target="agreement"),
    "agreement_sign": Rule("agreement_signed", {
        "agent": _l("企业已签署案件 %(case)s 的代办委托协议，待中心签章。"),
        "managers": _l("企业已签署案件 %(case)s 的代办委托协议，待中心签章。")},
        actor_role="enterprise", target="agreement"),
    "agreement_paper_upload": Rule("agreement_signed", {
        "agent": _l("案件 %(case)s 的纸质签署协议已上传，请核对。"),
        "managers": _l("案件 %(case)s 的纸质签署协议已上传，请核对。")}, target="agreement"),
    "agreement_paper_reject": Rule("agreement_ready", {
        "enterprise": _l("案件 %(case)s 协议 %(agreement)s 的纸质签署件未通过核对，原因：%(reason)s。"
                         "请按退回原因重新签字盖章后，再次上传扫描件。")},
        target="agreement"),
    "agreement_seal": Rule("agreement_sealed", {
        "enterprise": _l("案件 %(case)s 的代办委托协议已签章生效。"),
        "agent": _l("案件 %(case)s 的代办委托协议已签章生效。")}, target="agreement"),
}

# Raised by `flask check-deadlines`, not by an audit event.
DEADLINE_RULES = {
    "yellow": Rule("step_yellow", {
        "agent": _l("案件 %(case)s 的事项「%(step)s」将于 %(due)s 到期，请抓紧办理。"),
        "managers": _l("案件 %(case)s 的事项「%(step)s」将于 %(due)s 到期（代办员：%(agent)s）。")},
        staff_sms="deadline", target="step"),
    "red": Rule("step_red", {
        "agent": _l("案件 %(case)s 的事项「%(step)s」已超期（应于 %(due)s 办结）。"),
        "managers": _l("案件 %(case)s 的事项「%(step)s」已超期（应于 %(due)s 办结，代办员：%(agent)s）。")},
        staff_sms="deadline", target="step"),
}

# Raised by `flask webhooks deliver` when an event failed its last retry (workflow/webhooks.py);
# "owner": the managers of the endpoint's center, or the users of its enterprise.
WEBHOOK_FAILING = Rule("webhook_failing", {
    "owner": _l("事件推送地址 %(url)s 多次推送失败，已标记为“推送失败”，请检查接收服务后在“事件推送”页重新发送。")},
    target="webhooks")
