"""The dashboard's one form: issuing a closed month's report again."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

SEEN_ERROR = _l("表单已失效，请刷新页面后重试。")


class ReissueForm(FlaskForm):
    reason = TextAreaField(_l("重新生成原因"),
                           validators=[DataRequired(_l("重新生成须说明原因。")), Length(max=500)],
                           description=_l("例如：更正了某案件的批准日期。原有版本保留并列出。"),
                           render_kw={"rows": 2})
    # The newest version the page listed: a version issued meanwhile is not silently followed.
    seen = HiddenField(validators=[DataRequired(SEEN_ERROR), Regexp(r"^\d{1,6}$", message=SEEN_ERROR)])
