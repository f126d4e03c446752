"""The bell's forms: delivery preferences, and the contact addresses (saved with the password
again)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Email, Length, Optional, Regexp

from proxy_service.core.identifiers import MOBILE_SHAPE
from proxy_service.identity.reauth import ReauthForm

# Each preference field and the address (notifications.inbox.addresses) it needs.
CHANNELS = {"notify_email": "email", "notify_sms": "sms"}


class PreferencesForm(FlaskForm):
    notify_email = BooleanField(_l("通过电子邮件接收通知"))
    notify_sms = BooleanField(_l("通过短信接收通知"))

    def show_reachable(self, addresses):
        """A channel with no address on file is shown unticked and disabled, so that the form
        can be saved as shown (a browser does not post a disabled box)."""
        for name, channel in CHANNELS.items():
            if not addresses[channel]:
                self[name].data = False
                self[name].render_kw = {"disabled": True}

    def validate_for(self, addresses):
        """Field errors when a channel is chosen that the account has no address for."""
        if not self.validate_on_submit():
            return False
        ok = True
        if self.notify_email.data and not addresses["email"]:
            self.notify_email.errors.append(_l("您的账号未登记电子邮箱，无法接收邮件通知。"))
            ok = False
        if self.notify_sms.data and not addresses["sms"]:
            self.notify_sms.errors.append(_l("您的账号未登记手机号码，无法接收短信通知。"))
            ok = False
        return ok


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ContactForm(ReauthForm):
    """The user's own addresses for notifications; both may stay empty. Saved only with the
    password (and one-time code) again: whoever holds a borrowed session must not redirect
    the notifications, which carry case content (identity/reauth.py)."""

    email = StringField(_l("电子邮箱"), filters=[_strip], validators=[
        Optional(), Length(max=120), Email(_l("请输入有效的电子邮箱地址。"))],
        render_kw={"type": "email", "autocomplete": "email"})
    phone = StringField(_l("手机号码"), filters=[_strip], validators=[
        Optional(), Regexp(MOBILE_SHAPE, message=_l("请输入正确的 11 位手机号码（以 1 开头）。"))],
        render_kw={"type": "tel", "autocomplete": "tel"})
