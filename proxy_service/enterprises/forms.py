"""Forms of registration, the enterprise profile and colleagues' logins."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from proxy_service.core.extensions import db
from proxy_service.core.identifiers import MOBILE_SHAPE, uscc_check_ok, uscc_shape_ok
from proxy_service.core.submit_once import SubmitOnceMixin
from proxy_service.core.uploads import ACCEPT
from proxy_service.models import Center, User


def options(pairs):
    """SelectChoice objects from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


def center_choices():
    centers = db.session.scalars(select(Center).order_by(Center.name)).all()
    return options((c.id, c.name) for c in centers)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _normalise_uscc(value):
    # People paste codes with spaces or in lower case; the code itself has neither.
    return re.sub(r"\s+", "", value).upper() if isinstance(value, str) else value


def _mobile(label):
    return StringField(label, filters=[_strip], validators=[
        DataRequired(_l("请填写手机号码。")),
        Regexp(MOBILE_SHAPE, message=_l("请输入正确的 11 位手机号码（以 1 开头）。"))])


def _email():
    return StringField(_l("电子邮箱"), filters=[_strip], validators=[
        Optional(), Length(max=120), Email(_l("请输入有效的电子邮箱地址。"))])


def _text(label, message, max_len):
    return StringField(label, filters=[_strip],
                       validators=[DataRequired(message), Length(max=max_len)])


class NewLoginMixin:
    """Username and password of a new enterprise login; the username must be free."""

    username = StringField(_l("用户名"), filters=[_strip], validators=[
        DataRequired(_l("请填写用户名。")), Length(min=3, max=60, message=_l("用户名为 3–60 个字符。"))])
    password = PasswordField(_l("密码"), validators=[
        DataRequired(_l("请设置密码。")),
        Length(min=8, max=200, message=_l("密码至少 8 位。"))])
    confirm = PasswordField(_l("确认密码"), validators=[
        DataRequired(_l("请再次输入密码。")), EqualTo("password", message=_l("两次输入的密码不一致。"))])

    def validate_username(self, field):
        if db.session.scalar(select(User.id).where(User.username == field.data)) is not None:
            raise ValidationError(_l("该用户名已被使用，请换一个。"))


class RegistrationForm(SubmitOnceMixin, NewLoginMixin, FlaskForm):
    """One form for the enterprise record and its first user; `home_center_id.choices` from centers."""

    name = _text(_l("企业名称"), _l("请填写企业名称。"), 120)
    uscc = StringField(_l("统一社会信用代码"), filters=[_normalise_uscc], validators=[
        DataRequired(_l("请填写统一社会信用代码。"))],
        description=_l("18 位，见营业执照。"))
    uscc_confirmed = BooleanField(_l("我确认统一社会信用代码无误"))
    legal_representative = _text(_l("法定代表人"), _l("请填写法定代表人。"), 60)
    address = _text(_l("企业地址"), _l("请填写企业地址。"), 200)
    contact_person = _text(_l("联系人"), _l("请填写联系人。"), 60)
    mobile = _mobile(_l("联系人手机"))
    email = _email()
    home_center_id = SelectField(_l("选择所在园区/服务中心"), coerce=int,
                                 invalid_choice_message=_l("请选择所在园区/服务中心。"))
    licence = FileField(_l("营业执照"), validators=[FileRequired(_l("请上传营业执照。"))],
                        render_kw={"accept": ACCEPT},
                        description=_l("PDF 或图片（JPG、PNG），按文件内容判断类型。"))
    consent = BooleanField(_l("我已阅读并同意《个人信息处理说明》"), validators=[
        DataRequired(_l("请阅读并同意《个人信息处理说明》后再注册。"))])

    def validate_uscc(self, field):
        if not uscc_shape_ok(field.data):
            raise ValidationError(_l("统一社会信用代码格式不正确：应为 18 位数字或大写字母（不含 I、O、Z、S、V）。"))

    @property
    def uscc_check_failed(self):
        """The code has the right shape but its check character does not match."""
        return uscc_shape_ok(self.uscc.data) and not uscc_check_ok(self.uscc.data)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # A failing check character is a warning, not an error: a few early codes fail it.
        if self.uscc_check_failed and not self.uscc_confirmed.data:
            self.uscc_confirmed.errors = [_l(
                "该代码的校验位与国家标准（GB 32100-2015）计算结果不符，请与营业执照核对。"
                "如确认无误，请勾选此项后重新提交。")]
            return False
        return valid


class EnterpriseContactForm(FlaskForm):
    """What enterprise users may change themselves; name and USCC stay as verified."""

    version = HiddenField()
    contact_person = _text(_l("联系人"), _l("请填写联系人。"), 60)
    mobile = _mobile(_l("联系人手机"))
    email = _email()
    address = _text(_l("企业地址"), _l("请填写企业地址。"), 200)


class ColleagueForm(SubmitOnceMixin, NewLoginMixin, FlaskForm):
    name = _text(_l("姓名"), _l("请填写姓名。"), 60)
    phone = _mobile(_l("手机号码"))
    email = _email()
