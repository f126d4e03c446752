"""What the API reads and writes. Every schema is strict (StrictSchema: an unknown field or
query parameter is refused, and the contract says `additionalProperties: false`); fields come
from fields.py. Codes (statuses, lights) are the stable values, never the translated labels."""
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, validate

from proxy_service.api import fields
from proxy_service.calendar.lights import Light
from proxy_service.models import AgreementState, CaseStatus, Stage, StepStatus
from proxy_service.workflow import STEP_MOVES

PAGE_LIMIT = 100
# A cursor (queries.make_cursor): the last row's updated_at in µs since 1970 (up to 2286) and id.
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
    number = fields.String()
    state = fields.Enum(AgreementState)
    sealed_at = fields.AwareDateTime(allow_none=True)


class CaseDetail(CaseSummary):
    started_on = fields.Date(allow_none=True)
    suspended_on = fields.Date(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepOut))
    agreements = fields.List(fields.Nested(AgreementOut))


# --- query strings and bodies ----------------------------------------------------------------

class CaseListArgs(StrictSchema):
    status = fields.Enum(CaseStatus)
    # i18n-keep: the contract's text (one document, in Chinese)
    updated_since = fields.AwareDateTime(metadata={"description": "只列出此时间之后更新的案件"})
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
