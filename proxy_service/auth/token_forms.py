from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from proxy_service.core import clock
from proxy_service.core.forms import CheckboxListField
from proxy_service.identity.reauth import ReauthForm
from proxy_service.models.api_tokens import SCOPES


def _in_ninety_days():
    return clock.today() + timedelta(days=90)


class ApiTokenForm(ReauthForm):
    """A new personal access token: its name, scopes and expiry, and the password (and code)
    again, asked on this form so that nothing typed is lost on the way to a confirmation."""
    name = StringField(_l("令牌名称"),
                       validators=[DataRequired(_l("请填写令牌名称。")), Length(max=60)],
                       description=_l("例如调用它的系统：“项目管理系统同步”。"))
    scopes = CheckboxListField(_l("权限范围"),
                               choices=[SelectChoice(scope, label) for scope, label in SCOPES.items()],
                               validators=[DataRequired(_l("请选择令牌的权限范围。"))],
                               invalid_choice_message=_l("不是允许的权限范围。"))
    expires_on = DateField(_l("有效期至"), default=_in_ninety_days,
                           validators=[DataRequired(_l("请填写有效期。"))],
                           description=_l("最长一年。"))
