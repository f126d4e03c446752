"""What the API reads and writes. Every schema is strict (StrictSchema: an unknown field or
query parameter is refused, and the contract says `additionalProperties: false`); fields come
from fields.py. Codes (statuses, lights) are the stable values, never the translated labels."""
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, validate

from proxy_service.api import fields
from proxy_service.calendar.lights import FILTER_LIGHTS, Light
from proxy_service.models import (
    AgreementKind,
    AgreementState,
    CaseStatus,
    Document,
    FilingType,
    LimitUnit,
    Mode,
    Stage,
    StepStatus,
    Verification,
)
from proxy_service.permissions.documents import ENTERPRISE_KINDS, STAFF_KINDS
from proxy_service.workflow import STEP_MOVES

PAGE_LIMIT = 100
# A cursor (queries.make_cursor): the last row's changed_at in µs since 1970 (up to 2286) and id.
CURSOR_PATTERN = r"^[0-9]{1,16}-[0-9]{1,10}$"
INVALID_CURSOR = _l("游标无效：请传回上一页返回的 next。")


class StrictSchema(Schema):
    error_messages = {"unknown": _l("不允许的字段。"), "type": _l("应为 JSON 对象。")}

    class Meta:
        unknown = RAISE
        ordered = True


class Reply(StrictSchema):
    """What the server sends: every field is always there (null where allow_none says so),
    and the contract says so (required), so that clients need not guess."""

    def on_bind_field(self, field_name, field_obj):
        field_obj.required = True


class ProblemSchema(StrictSchema):
    """RFC 9457 problem details, as every error is answered."""
    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "字段（或查询参数）名 → 错误说明"})


# --- reading ---------------------------------------------------------------------------------

class Named(Reply):
    id = fields.Integer()
    name = fields.String()


class CaseSummary(Reply):
    id = fields.Integer()
    number = fields.String()
    status = fields.Enum(CaseStatus)
    # i18n-keep: the contract's text (one document, in Chinese)
    light = fields.Enum(Light, metadata={"description": "红黄绿灯（每日变化）"})
    enterprise = fields.Nested(Named)
    project = fields.Nested(Named)
    agent = fields.Nested(Named, allow_none=True)
    submitted_at = fields.AwareDateTime()
    # i18n-keep: the contract's text (one document, in Chinese)
    promised_on = fields.Date(allow_none=True, metadata={"description": "承诺办结日"})
    updated_at = fields.AwareDateTime()
    version = fields.Integer()
    # i18n-keep: the contract's text (one document, in Chinese)
    changed_at = fields.AwareDateTime(metadata={"description": "案件或其事项、材料、留言等最近变化的时间"})
    # i18n-keep: the contract's text (one document, in Chinese)
    revision = fields.Integer(metadata={"description": "每次变化加一（version 只随案件本身的字段变化）"})


class CasePage(Reply):
    items = fields.List(fields.Nested(CaseSummary))
    # i18n-keep: the contract's text (one document, in Chinese)
    next = fields.String(allow_none=True, metadata={
        "description": "下一页的游标（作为 cursor 参数传回）；null 表示没有更多"})


class StepOut(Reply):
    id = fields.Integer()
    item = fields.Nested(Named)
    stage = fields.Enum(Stage)
    status = fields.Enum(StepStatus)
    light = fields.Enum(Light)
    # i18n-keep: the contract's text (one document, in Chinese)
    actions = fields.List(fields.String(), metadata={"description": "现在可执行的操作"})
    acceptance_no = fields.String()
    submitted_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    approved_on = fields.Date(allow_none=True)
    permit_no = fields.String()
    by_commitment = fields.Boolean()
    correction_request = fields.String()
    refusal_reason = fields.String()
    refusal_decision_no = fields.String()
    not_required_reason = fields.String()
    updated_at = fields.AwareDateTime()
    # i18n-keep: the contract's text (one document, in Chinese)
    version = fields.Integer(metadata={"description": "ETag 即此版本号"})


class AgreementOut(Reply):
    id = fields.Integer()
    case_id = fields.Integer()
    number = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    kind = fields.Enum(AgreementKind, metadata={"description": "委托协议或续办委托书（Agreement or supplement）"})
    state = fields.Enum(AgreementState)
    # i18n-keep: the contract's text (one document, in Chinese)
    revision = fields.Integer(metadata={"description": "签署前重新生成的次数（Revision）"})
    signed_on_paper = fields.Boolean()
    # i18n-keep: the contract's text (one document, in Chinese)
    enterprise_signed_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "企业签署时间（When the enterprise signed）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    center_signed_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "服务中心会签时间（When the center countersigned）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    sealed_at = fields.AwareDateTime(allow_none=True, metadata={
        "description": "加盖电子印章时间（When sealed）"})
    created_at = fields.AwareDateTime()


class AgreementList(Reply):
    items = fields.List(fields.Nested(AgreementOut))


class CaseDetail(CaseSummary):
    started_on = fields.Date(allow_none=True)
    suspended_on = fields.Date(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepOut))
    agreements = fields.List(fields.Nested(AgreementOut))


class VerifiedAgreement(Reply):
    """What /verify says of an agreement: nothing more."""
    number = fields.String()
    kind = fields.Enum(AgreementKind)
    # i18n-keep: the contract's text (one document, in Chinese)
    state = fields.String(metadata={"enum": ["sealed", "void", "signing"],
                                    "description": "已生效、已作废或签署中（Sealed, void or signing）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    center = fields.String(metadata={"description": "受托方（服务中心）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    enterprise = fields.String(metadata={"description": "委托方（企业）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    on_paper = fields.Boolean(metadata={"description": "纸质签署（Signed on paper）"})
    enterprise_signed_at = fields.AwareDateTime(allow_none=True)
    center_signed_at = fields.AwareDateTime(allow_none=True)
    sealed_at = fields.AwareDateTime(allow_none=True)


SEAL_VERDICTS = ["valid", "other_center", "untrusted", "invalid"]


class SealOut(Reply):
    # i18n-keep: the contract's text (one document, in Chinese)
    verdict = fields.String(metadata={"enum": SEAL_VERDICTS, "description": (
        "valid 有效（该协议服务中心的证书）；other_center 完整但非该协议的服务中心；"
        "untrusted 完整但非本系统登记的证书；invalid 无效或已被破坏（The seal's verdict）")})
    intact = fields.Boolean()
    trusted = fields.Boolean()
    by_center = fields.Boolean()
    signer_subject = fields.String()
    signed_at = fields.AwareDateTime(allow_none=True)
    timestamped = fields.Boolean()
    problems = fields.List(fields.String())


class FileCheckOut(Reply):
    sha256 = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    matches = fields.Boolean(metadata={"description": "与登记的终稿逐字节一致（Byte for byte the final on record）"})
    agreement = fields.Nested(VerifiedAgreement, allow_none=True)
    seal = fields.Nested(SealOut)


class VerifyAnswer(Reply):
    # i18n-keep: the contract's text (one document, in Chinese)
    found = fields.Boolean(allow_none=True, metadata={
        "description": "编号与校验码相符的协议存在；未给编号时为 null（Found; null without a number）"})
    agreement = fields.Nested(VerifiedAgreement, allow_none=True)
    # i18n-keep: the contract's text (one document, in Chinese)
    file = fields.Nested(FileCheckOut, allow_none=True, metadata={
        "description": "上传文件的核验结果（The uploaded file's check）"})


class ProjectOut(Reply):
    id = fields.Integer()
    name = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    code = fields.String(metadata={"description": "项目代码（Project code）"})
    center = fields.Nested(Named)
    industry = fields.Nested(Named)
    # i18n-keep: the contract's text (one document, in Chinese)
    total_investment = fields.Amount(metadata={"description": "总投资（万元）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    land_area = fields.Amount(metadata={"description": "用地面积（亩）"})
    location = fields.String()
    content = fields.String()
    planned_start = fields.Date(allow_none=True)
    standard_land = fields.Boolean()
    filing_type = fields.Enum(FilingType)
    created_at = fields.AwareDateTime()
    version = fields.Integer()


class ProjectDetail(ProjectOut):
    cases = fields.List(fields.Nested(CaseSummary))


class ProjectList(Reply):
    items = fields.List(fields.Nested(ProjectOut))


class EnterpriseOut(Reply):
    id = fields.Integer()
    name = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    uscc = fields.String(metadata={"description": "统一社会信用代码（USCC）"})
    legal_representative = fields.String()
    address = fields.String()
    contact_person = fields.String()
    mobile = fields.String()
    email = fields.String()
    home_center = fields.Nested(Named)
    # i18n-keep: the contract's text (one document, in Chinese)
    verification = fields.Enum(Verification, metadata={"description": "营业执照核验状态"})
    version = fields.Integer()


class ItemOut(Reply):
    id = fields.Integer()
    name = fields.String()
    center = fields.Nested(Named)
    stage = fields.Enum(Stage)
    department = fields.String()
    mode = fields.Enum(Mode)
    # i18n-keep: the contract's text (one document, in Chinese)
    statutory_limit = fields.Integer(allow_none=True, metadata={"description": "法定时限"})
    statutory_unit = fields.Enum(LimitUnit)
    # i18n-keep: the contract's text (one document, in Chinese)
    promised_limit = fields.Integer(metadata={"description": "承诺时限"})
    promised_unit = fields.Enum(LimitUnit)
    # i18n-keep: the contract's text (one document, in Chinese)
    materials = fields.List(fields.String(), metadata={"description": "申报材料（Materials）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    prerequisites = fields.List(fields.Integer(), metadata={"description": "前置事项的 id"})


class ItemList(Reply):
    items = fields.List(fields.Nested(ItemOut))


class AuditEventOut(Reply):
    id = fields.Integer()
    at = fields.AwareDateTime()
    # i18n-keep: the contract's text (one document, in Chinese)
    actor = fields.Nested(Named, allow_none=True, metadata={"description": "操作人；null 为系统"})
    action = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    action_label = fields.String(metadata={"description": "操作名称（按 Accept-Language）"})
    object_type = fields.String()
    object_id = fields.Integer()
    from_status = fields.String()
    to_status = fields.String()
    comment = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    internal = fields.Boolean(metadata={"description": "内部记录（仅工作人员可见）"})


class AuditTrail(Reply):
    items = fields.List(fields.Nested(AuditEventOut))


# i18n-keep: the contract's text (one document, in Chinese)
RATE = {"type": "string", "format": "decimal", "description": "比率，0 到 1 的十进制字符串（A rate）"}
# i18n-keep: the contract's text (one document, in Chinese)
WORKDAYS = {"type": "string", "format": "decimal", "description": "平均工作日（Average working days）"}


class ItemFigures(Reply):
    item = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    steps = fields.Integer(metadata={"description": "有提交日期的已办结事项数（Approved steps with a filing date）"})
    avg_workdays = fields.String(metadata=WORKDAYS)


class HeadlineOut(Reply):
    """The dashboard's headline for the period (workflow/figures.Headline)."""
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    # i18n-keep: the contract's text (one document, in Chinese)
    new_requests = fields.Integer(metadata={"description": "新申请（Requests filed）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    accepted = fields.Integer(metadata={"description": "受理（Accepted）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    declined = fields.Integer(metadata={"description": "不予受理（Declined）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    cases_completed = fields.Integer(metadata={"description": "办结案件（Cases completed）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    items_completed = fields.Integer(metadata={"description": "办结事项（Steps approved）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    on_time = fields.Integer(metadata={"description": "按期办结事项（Approved by the due date）"})
    on_time_rate = fields.String(allow_none=True, metadata=RATE)
    overdue_rate = fields.String(allow_none=True, metadata=RATE)
    # i18n-keep: the contract's text (one document, in Chinese)
    evaluations = fields.Integer(metadata={"description": "服务评价数（Evaluations）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    good = fields.Integer(metadata={"description": "满意及非常满意（Satisfied or better）"})
    satisfaction_rate = fields.String(allow_none=True, metadata=RATE)
    # i18n-keep: the contract's text (one document, in Chinese)
    open_rectifications = fields.Integer(metadata={"description": "未完成整改（Open rectifications）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    overdue_rectifications = fields.Integer(metadata={"description": "逾期整改（Overdue rectifications）"})
    avg_workdays = fields.String(allow_none=True, metadata=WORKDAYS)
    per_item = fields.List(fields.Nested(ItemFigures))


# --- query strings and bodies ----------------------------------------------------------------

FILTER_LIGHT_VALUES = [light.value for light in FILTER_LIGHTS]


class CaseListArgs(StrictSchema):
    status = fields.Enum(CaseStatus)
    # i18n-keep: the contract's text (one document, in Chinese)
    stage = fields.Enum(Stage, metadata={"description": "有该阶段事项的案件（Cases with a step of this stage）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    agent = fields.QueryInteger(validate=fields.between(0, 999_999_999), metadata={
        "description": "代办员的用户 id（The agent's user id）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    light = fields.String(validate=fields.one_of(FILTER_LIGHT_VALUES), metadata={
        "enum": FILTER_LIGHT_VALUES,
        "description": "今天的红黄绿灯（Today's traffic light）；列表不按灯排序"})
    # i18n-keep: the contract's text (one document, in Chinese)
    updated_since = fields.AwareDateTime(metadata={
        "description": "只列出此时间之后有变化（changed_at：含事项、材料、留言等）的案件"})
    # i18n-keep: the contract's text (one document, in Chinese)
    cursor = fields.String(validate=validate.Regexp(CURSOR_PATTERN, error=INVALID_CURSOR),
                           metadata={"description": "上一页返回的 next（原样传回）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    limit = fields.QueryInteger(validate=fields.between(1, PAGE_LIMIT),
                                metadata={"description": "每页条数，默认 50"})


STEP_ACTIONS = sorted({action for (_status, action) in STEP_MOVES})


class StepUpdate(StrictSchema):
    """The step form's fields; `action` optional (information only without it)."""
    action = fields.String(validate=fields.one_of(STEP_ACTIONS), metadata={"enum": STEP_ACTIONS})
    acceptance_no = fields.String(validate=fields.max_length(60))
    submitted_on = fields.Date()
    refiled_on = fields.Date()
    returned_on = fields.Date()
    refused_on = fields.Date()
    approved_on = fields.Date()
    permit_no = fields.String(validate=fields.max_length(80))
    by_commitment = fields.Boolean()
    correction_request = fields.String(validate=fields.max_length(2000))
    refusal_reason = fields.String(validate=fields.max_length(2000))
    refusal_decision_no = fields.String(validate=fields.max_length(80))
    not_required_reason = fields.String(validate=fields.max_length(2000))
    # i18n-keep: the contract's text (one document, in Chinese)
    note = fields.String(validate=fields.max_length(2000),
                         metadata={"description": "办理说明（企业可见），记入操作日志"})


# --- documents and messages (api/documents.py, api/messages.py) --------------------------------

DOCUMENT_KINDS = sorted({*ENTERPRISE_KINDS, *STAFF_KINDS})


class DocumentOut(Reply):
    id = fields.Integer()
    # i18n-keep: the contract's text (one document, in Chinese)
    kind = fields.String(metadata={"description": "材料类别（kind of document）",
                                   "enum": sorted(Document.KIND_LABELS)})
    # i18n-keep: the contract's text (one document, in Chinese)
    filename = fields.String(metadata={"description": "下载时的文件名（name it downloads under）"})
    content_type = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    size = fields.Integer(metadata={"description": "字节数（bytes）"})
    sha256 = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    step_id = fields.Integer(allow_none=True, metadata={
        "description": "所属事项；null 表示整个案件（the step, or null for the whole case）"})
    uploaded_by = fields.Nested(Named, allow_none=True)
    created_at = fields.AwareDateTime()


class DocumentList(Reply):
    items = fields.List(fields.Nested(DocumentOut))


class DocumentUpload(StrictSchema):
    """The case page's upload form, as multipart/form-data."""
    # i18n-keep: the contract's text (one document, in Chinese)
    file = fields.Upload(required=True, error_messages={"required": _l("请选择要上传的文件。")},
                         metadata={"description": "PDF、JPG、PNG 或 OFD，按内容判断类型"
                                                  "（judged by its content）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    kind = fields.String(required=True, validate=fields.one_of(DOCUMENT_KINDS), metadata={
        "enum": DOCUMENT_KINDS,
        "description": "企业：material、correction；工作人员：permit、receipt、other"
                       "（enterprises: material, correction; staff: permit, receipt, other）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    step_id = fields.QueryInteger(validate=fields.between(1, 999_999_999), metadata={
        "description": "所属事项的 id；不填表示整个案件（the step, or none for the whole case）"})


class MessageOut(Reply):
    id = fields.Integer()
    body = fields.String()
    # i18n-keep: the contract's text (one document, in Chinese)
    internal = fields.Boolean(metadata={"description": "内部备注，企业不可见（internal note）"})
    author = fields.Nested(Named)
    step_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class MessageList(Reply):
    items = fields.List(fields.Nested(MessageOut))


class MessageIn(StrictSchema):
    body = fields.String(required=True, validate=[
        fields.not_blank(_l("请填写留言内容。")),
        validate.Length(max=2000, error=_l("留言不能超过 2000 字。"))])
    # i18n-keep: the contract's text (one document, in Chinese)
    internal = fields.Boolean(metadata={
        "description": "内部备注（仅工作人员可用；internal note, staff only）"})
class VerifyQuestion(StrictSchema):
    """POST /verify as JSON: the number and the code printed on the agreement."""
    # i18n-keep: the contract's text (one document, in Chinese)
    number = fields.String(required=True, validate=fields.max_length(40),
                           metadata={"description": "协议编号（The agreement's number）"})
    # i18n-keep: the contract's text (one document, in Chinese)
    code = fields.String(required=True, validate=fields.max_length(12),
                         metadata={"description": "校验码（The check code）"})


class VerifyForm(StrictSchema):
    """POST /verify as multipart/form-data: the PDF, and optionally its number and code."""
    number = fields.String(validate=fields.max_length(40))
    code = fields.String(validate=fields.max_length(12))


class HeadlineArgs(StrictSchema):
    # i18n-keep: the contract's text (one document, in Chinese)
    start = fields.Date(data_key="from", metadata={"description": "开始日期（北京时间），默认本月一日"})
    # i18n-keep: the contract's text (one document, in Chinese)
    end = fields.Date(data_key="to", metadata={"description": "结束日期（含），默认今天"})
