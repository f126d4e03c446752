"""Form fields every feature shares: the version a form showed (optimistic locking, see
core.conflicts.check_version), several choices as check boxes."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField
from wtforms.validators import DataRequired, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

VERSION_ERROR = _l("表单已失效，请刷新页面后重试。")


def version_field():
    """The version the form showed: the workflow refuses a save over a newer one."""
    return HiddenField(validators=[DataRequired(VERSION_ERROR),
                                   Regexp(r"^\d{1,9}$", message=VERSION_ERROR)])


def optional_version_field():
    """The same where a post without one is still accepted (the check is then skipped):
    blank (spaces too) reads as none, anything but digits is a form error."""
    return HiddenField(filters=[lambda value: value.strip() if isinstance(value, str) else value],
                       validators=[Optional(), Regexp(r"^\d{1,9}$", message=VERSION_ERROR)])


class CheckboxListField(SelectMultipleField):
    """Several choices as check boxes, one a line (macros/forms.html `field`): a multiple
    select, picked with Ctrl-click, is no way for people to choose several things."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
