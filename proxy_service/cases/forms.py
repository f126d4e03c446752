"""Forms of the enterprise-facing and read side of cases: request, filters, files, messages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from proxy_service.core.forms import optional_version_field
from proxy_service.core.identifiers import MOBILE_SHAPE
from proxy_service.core.submit_once import SubmitOnceMixin
from proxy_service.models import CaseStatus, Stage


def options(pairs):
    """SelectChoice objects from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def _values(field):
    return {choice.value for choice in field.choices or []}


class CaseRequestForm(SubmitOnceMixin, FlaskForm):
    """Ask for the proxy service: `items.choices` must be set to the center's catalogue."""

    items = SelectMultipleField(_l("委托代办的审批事项"), coerce=int, validate_choice=False)
    template_id = HiddenField()
    contact_name = StringField(_l("联系人"), validators=[
        DataRequired(_l("请填写联系人。")), Length(max=60)])
    contact_mobile = StringField(_l("联系人手机"), validators=[
        DataRequired(_l("请填写联系人手机号。")),
        Regexp(MOBILE_SHAPE, message=_l("请填写 11 位手机号码。"))])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])

    def validate_items(self, field):
        # Only the center's current catalogue: a forged id must not reach the workflow.
        allowed = _values(field)
        if not field.data:
            raise ValidationError(_l("请至少选择一项委托代办的审批事项。"))
        if any(item_id not in allowed for item_id in field.data):
            raise ValidationError(_l("所选事项不在该园区当前的事项目录中。"))


class TemplateChoiceForm(FlaskForm):
    """GET form: choose which template pre-selects the items."""

    class Meta:
        csrf = False

    project_id = HiddenField()
    template_id = SelectField(_l("事项模板"), coerce=int, validate_choice=False)


class CaseFilterForm(FlaskForm):
    """GET filters of the managers' case list; choices of agent and industry set by the view."""

    class Meta:
        csrf = False

    q = StringField(_l("企业或项目名称"), validators=[Optional(), Length(max=60)])
    status = SelectField(_l("状态"), validators=[Optional()], choices=options(
        [("", _l("全部状态"))] + [(s.value, s.label) for s in CaseStatus]))
    stage = SelectField(_l("阶段"), validators=[Optional()], choices=options(
        [("", _l("全部阶段"))] + [(s.value, s.label) for s in Stage]))
    agent = SelectField(_l("代办员"), validators=[Optional()], validate_choice=False)
    industry = SelectField(_l("行业"), validators=[Optional()], validate_choice=False)

    def value(self, name):
        """The filter's value when it is one of its choices (an id as int), else None."""
        data = self[name].data
        if not data or data not in {str(value) for value in _values(self[name])}:
            return None
        return int(data) if data.isdigit() else data


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("撤回理由"), validators=[
        DataRequired(_l("撤回须说明理由。")), Length(max=2000)])
    version = optional_version_field()


class MessageForm(SubmitOnceMixin, FlaskForm):
    body = TextAreaField(_l("留言内容"), validators=[
        DataRequired(_l("请填写留言内容。")),
        Length(max=2000, message=_l("留言不能超过 2000 字。"))])
    internal = BooleanField(_l("内部备注（企业不可见）"))


def _optional_int(value):
    """"" or None (no step: the case itself) → 0; a forged non-number raises ValueError."""
    return int(value) if value not in (None, "") else 0


class UploadForm(SubmitOnceMixin, FlaskForm):
    """`kind.choices` and `step_id.choices` depend on the user and the case: set by the view."""

    file = FileField(_l("文件"), validators=[FileRequired(_l("请选择要上传的文件。"))],
                     description=_l("PDF、JPG、PNG 或 OFD，按文件内容判断类型。"))
    kind = SelectField(_l("材料类别"), validate_choice=False)
    step_id = SelectField(_l("所属事项"), coerce=_optional_int, validate_choice=False)

    def validate_kind(self, field):
        # Enterprises and staff upload different kinds: a forged kind is refused.
        if field.data not in _values(field):
            raise ValidationError(_l("请选择材料类别。"))


class NoticeCorrectionForm(FlaskForm):
    """Correct an issued notice: the reason is printed on the new revision."""

    reason = TextAreaField(_l("更正原因"), validators=[
        DataRequired(_l("更正须说明原因。")), Length(max=2000)])
    revision = optional_version_field()
