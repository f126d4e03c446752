"""Forms of the personal-data requests page: export or erase, each with the reason given by
the person's request and the manager's password (and one-time code) again."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class PersonalDataRequestForm(FlaskForm):
    reason = TextAreaField(_l("申请事由"), render_kw={"rows": 2},
                           description=_l("如：本人于某日书面申请查阅、复制其个人信息。记入操作日志。"),
                           validators=[DataRequired(_l("请填写申请事由。")),
                                       Length(max=500, message=_l("事由不超过 500 字。"))])
    password = PasswordField(_l("您的登录密码"), validators=[
        DataRequired(_l("请输入您的登录密码。")), Length(max=200)])
    code = StringField(_l("动态验证码"), validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code"})

    @property
    def reason_text(self):
        return (self.reason.data or "").strip()


class ExportForm(PersonalDataRequestForm):
    """Prefixed "export-" by the view: the page shows it beside the erase form."""


class EraseForm(PersonalDataRequestForm):
    """Prefixed "erase-" by the view."""

    confirm = BooleanField(_l("已核实申请人身份，确认删除（不可恢复）"), validators=[
        DataRequired(_l("请确认已核实申请人身份。"))])
