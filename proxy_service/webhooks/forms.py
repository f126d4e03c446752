from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from proxy_service.core.forms import CheckboxListField
from proxy_service.identity.reauth import ReauthForm
from proxy_service.models.webhooks import EVENTS


def _event_label(name, label):
    """"case.accepted · 申请已受理", the label in the reader's language: joined when shown, not
    when this module is imported (outside any request, so always in Chinese)."""
    return LazyString(lambda: f"{name} · {label}")


class EndpointForm(FlaskForm):
    url = StringField(_l("接收地址"), validators=[DataRequired(_l("请填写接收地址。")),
                                                  Length(max=500)],
                      description=_l("https:// 开头，须为公网地址。"))
    description = StringField(_l("说明"), validators=[Length(max=200)])
    events = CheckboxListField(_l("推送的事件"),
                               choices=[SelectChoice(name, _event_label(name, label))
                                        for name, label in EVENTS.items()],
                               validators=[DataRequired(_l("请至少选择一种事件。"))],
                               invalid_choice_message=_l("不是可选的事件。"))


class NewEndpointForm(EndpointForm, ReauthForm):
    """A registration: its answer shows the secret, so the password (and code) is asked again,
    as for an API token."""


class RotateForm(ReauthForm):
    """A new secret is shown on the answer: the password (and code) again."""
