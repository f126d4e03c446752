from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class PreferencesForm(FlaskForm):
    notify_email = BooleanField(_l("通过电子邮件接收通知"))
    notify_sms = BooleanField(_l("通过短信接收通知"))

    def validate_for(self, user, phone):
        """Field errors when a channel is chosen that the account has no address for."""
        if not self.validate_on_submit():
            return False
        ok = True
        if self.notify_email.data and not user.email:
            self.notify_email.errors.append(_l("您的账号未登记电子邮箱，无法接收邮件通知。"))
            ok = False
        if self.notify_sms.data and not phone:
            self.notify_sms.errors.append(_l("您的账号未登记手机号码，无法接收短信通知。"))
            ok = False
        return ok
