"""The public verification form: agreement number + check code (校验码, as printed on the
agreement), and/or the PDF itself."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

from proxy_service.documents import verification


class VerifyForm(FlaskForm):
    number = StringField(_l("协议编号"), validators=[Optional(), Length(max=40)],
                         description=_l("如 JZKFQ-DB-2026-000123，见协议首页"))
    code = StringField(_l("校验码"), validators=[Optional(), Length(max=12)],
                       description=_l("印在协议编号旁的校验码"))
    file = FileField(_l("协议 PDF 文件（可选）"),
                     description=_l("上传您持有的协议文件，核对其是否与登记的终稿完全一致"))

    def validate(self, extra_validators=None):
        # Checked here: Optional() on the fields would stop their own validators early.
        if not super().validate(extra_validators):
            return False
        lacking = verification.missing(self.number.data, self.code.data, bool(self.file.data))
        if lacking:
            field, message = lacking
            self[field].errors.append(message)
            return False
        return True
