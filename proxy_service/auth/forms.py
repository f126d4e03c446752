from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from proxy_service.core.forms import optional_version_field


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名。")), Length(max=60)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码。")), Length(max=200)])


class CodeForm(FlaskForm):
    """The one-time code from the authenticator app, or a recovery code."""
    code = StringField(_l("动态验证码"), validators=[
        DataRequired(_l("请输入验证码。")), Length(max=40, message=_l("验证码格式不正确。"))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True})


class EnrolForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[
        DataRequired(_l("请输入验证器显示的 6 位验证码。")), Length(max=12, message=_l("验证码格式不正确。"))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码。"))])
    code = StringField(_l("动态验证码"), validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code"})
    new = PasswordField(_l("新密码"), validators=[
        DataRequired(_l("请输入新密码。")), Length(min=8, max=200, message=_l("新密码至少 8 位。"))])
    confirm = PasswordField(_l("确认新密码"), validators=[
        DataRequired(_l("请再次输入新密码。")), EqualTo("new", message=_l("两次输入的新密码不一致。"))])


class CenterSecurityForm(FlaskForm):
    require_enterprise_2fa = BooleanField(_l("要求本中心企业用户登录时也输入动态验证码"))
    version = optional_version_field()   # of the center's settings (core.conflicts.save)
