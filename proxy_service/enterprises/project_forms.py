"""The investment project form: exact amounts in 万元 and 亩, the national project code."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from proxy_service.core.extensions import db
from proxy_service.core.identifiers import PROJECT_CODE_SHAPE
from proxy_service.core.submit_once import SubmitOnceMixin
from proxy_service.enterprises.forms import _strip, center_choices, options
from proxy_service.models import FilingType, Industry

# The form field names are the Project attribute names: saving copies them one to one.
PROJECT_FIELDS = ("name", "code", "center_id", "industry_id", "total_investment", "land_area",
                  "location", "content", "planned_start", "standard_land", "filing_type")


NOT_A_NUMBER = _l("请输入数字，例如 12345.6789。")


class ExactDecimalField(DecimalField):
    """A finite Decimal parsed from the text as typed (never through float); blank means None.

    NaN and the infinities are not numbers to the user; refused here, they never reach a
    comparison (a signalling NaN raises on `!=`, as in ProjectForm.freeze)."""

    def __init__(self, label, validators=(), **kwargs):
        super().__init__(label, validators, places=None, invalid_value_message=NOT_A_NUMBER,
                         **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata([v.strip() for v in valuelist])
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(NOT_A_NUMBER)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        # 12000.5000 as stored is shown as 12000.5.
        return format(self.data.normalize(), "f")


def amount(*, places, digits, minimum, inclusive, message):
    """Validator: a finite Decimal with at most `places` decimals and `digits` integer digits.

    The range is checked before the decimals, with no arithmetic in the decimal context: past
    its precision (28 digits) quantize() raises InvalidOperation, past its exponent limit abs()
    raises Overflow — 1e30 and 1E+999999999 are "too large", never a 500."""
    def check(form, field):
        value = field.data
        if value is None:
            raise ValidationError(_l("请填写此项。"))
        if not value.is_finite():   # NaN cannot be ordered: comparing it raises
            raise ValidationError(NOT_A_NUMBER)
        if value < minimum or (value == minimum and not inclusive):
            raise ValidationError(message)
        if value.copy_abs() >= Decimal(10) ** digits:   # abs() rounds: Overflow
            raise ValidationError(_l("数值过大，请核对单位。"))
        if value != value.quantize(Decimal(1).scaleb(-places)):
            raise ValidationError(_l("最多保留 %(places)s 位小数。", places=places))
    check.field_flags = {"required": True}
    return check


def industry_choices():
    industries = db.session.scalars(select(Industry).order_by(Industry.sort, Industry.name)).all()
    return options((i.id, i.name) for i in industries)


class ProjectForm(FlaskForm):
    version = HiddenField()
    name = StringField(_l("项目名称"), filters=[_strip], validators=[
        DataRequired(_l("请填写项目名称。")), Length(max=120)])
    code = StringField(_l("项目代码"), filters=[_strip], validators=[
        Optional(), Regexp(PROJECT_CODE_SHAPE, message=_l(
            "项目代码格式应为 YYMM-RRRRRR-DD-TT-NNNNNN，例如 2403-140700-89-01-123456。"))],
        description=_l("投资项目在线审批监管平台赋予的代码；尚未取得可不填。"))
    center_id = SelectField(_l("项目所在园区"), coerce=int,
                            invalid_choice_message=_l("请选择项目所在园区。"))
    industry_id = SelectField(_l("所属行业"), coerce=int,
                              invalid_choice_message=_l("请选择所属行业。"))
    total_investment = ExactDecimalField(_l("总投资（万元）"), validators=[amount(
        places=4, digits=12, minimum=Decimal(0), inclusive=False,
        message=_l("总投资须大于 0 万元。"))])
    land_area = ExactDecimalField(_l("用地面积（亩）"), validators=[amount(
        places=2, digits=10, minimum=Decimal(0), inclusive=True,
        message=_l("用地面积不能为负数。"))])
    location = StringField(_l("建设地点"), filters=[_strip], validators=[
        DataRequired(_l("请填写建设地点。")), Length(max=200)])
    content = TextAreaField(_l("建设内容及规模"), filters=[_strip], validators=[
        DataRequired(_l("请填写建设内容及规模。")), Length(max=5000)], render_kw={"rows": 4})
    planned_start = DateField(_l("计划开工日期"), validators=[Optional()])
    standard_land = BooleanField(_l("标准地项目"))
    filing_type = RadioField(_l("项目管理类型"), default=FilingType.RECORD.value,
                             choices=options((f.value, f.label) for f in FilingType),
                             invalid_choice_message=_l("请选择备案类或核准类。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.center_id.choices = center_choices()
        self.industry_id.choices = industry_choices()

    def values(self):
        """The submitted project attributes, keyed like the model."""
        data = {name: self[name].data for name in PROJECT_FIELDS}
        data["filing_type"] = FilingType(data["filing_type"])
        return data

    def freeze(self, project, names):
        """Render `names` disabled and hold them at the project's values.

        Returns the frozen fields whose posted value differed (the change is ignored).
        """
        refused = []
        for name in names:
            field, current = self[name], _current(project, name)
            if self.is_submitted() and field.raw_data and field.data != current:
                refused.append(field.label.text)
            field.data, field.raw_data, field.process_errors = current, None, []
            field.validators = ()
            field.render_kw = {**(field.render_kw or {}), "disabled": True}
        return refused


class NewProjectForm(SubmitOnceMixin, ProjectForm):
    """The project form for creating one: with the one-time submit token."""


def _current(project, name):
    value = getattr(project, name)
    return value.value if name == "filing_type" else value
