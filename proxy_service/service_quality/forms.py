"""Forms of the service-quality pages. Business rules stay in workflow/quality.py and
workflow/assignment.py."""
from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from proxy_service.core.forms import version_field
from proxy_service.core.submit_once import SubmitOnceMixin
from proxy_service.models import Grade, Outcome, RectificationStatus
from proxy_service.models.evaluations import SUB_SCORES

SCORE_ERROR = _l("请选择 1 至 5 分。")


def flash_errors(form, *, labelled=False):
    """Each validation error of a form posted from another page as a warning there, after
    its field's label when `labelled`."""
    for name, messages in form.errors.items():
        for message in messages:
            flash(_("%(label)s：%(message)s", label=form[name].label.text, message=message)
                  if labelled else message, "warning")


def _int_or_none(value):
    """Junk reads as no choice, so that the Chinese invalid-choice message is the one shown."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _score(label):
    return RadioField(label, coerce=_int_or_none, choices=[SelectChoice(n, str(n)) for n in range(1, 6)],
                      validators=[InputRequired(SCORE_ERROR)], invalid_choice_message=SCORE_ERROR)


def _text(label, *validators, rows=3, max_length=1000):
    return TextAreaField(label, validators=[*validators, Length(max=max_length)],
                         render_kw={"rows": rows})


class EvaluationForm(SubmitOnceMixin, FlaskForm):
    grade = RadioField(_l("总体评价"), choices=[SelectChoice(g.value, g.label) for g in Grade],
                       validators=[InputRequired(_l("请选择总体评价。"))],
                       invalid_choice_message=_l("请选择总体评价。"))
    efficiency = _score(SUB_SCORES["efficiency"])
    attitude = _score(SUB_SCORES["attitude"])
    expertise = _score(SUB_SCORES["expertise"])
    comment = _text(_l("意见和建议（可选）"), Optional())

    @property
    def values(self):
        return dict(grade=Grade(self.grade.data), efficiency=self.efficiency.data,
                    attitude=self.attitude.data, expertise=self.expertise.data,
                    comment=self.comment.data or "")


class AppealForm(SubmitOnceMixin, FlaskForm):
    reason = _text(_l("复核理由"), DataRequired(_l("申请复核须说明理由。")))


class ResponseForm(FlaskForm):
    outcome = RadioField(_l("整改结果"), choices=[SelectChoice(o.value, o.label) for o in Outcome],
                         validators=[InputRequired(_l("请选择整改结果。"))],
                         invalid_choice_message=_l("请选择整改结果。"))
    response = _text(_l("整改情况及答复"), DataRequired(_l("请填写整改情况或答复内容。")), rows=5,
                     max_length=4000)
    version = version_field()


RECTIFICATION_FILTERS = [SelectChoice("", _l("全部")), SelectChoice("overdue", _l("已逾期"))] + [
    SelectChoice(s.value, s.label) for s in RectificationStatus]


class RectificationFilterForm(FlaskForm):
    class Meta:
        csrf = False   # a GET filter

    status = SelectField(_l("状态"), choices=RECTIFICATION_FILTERS, default="",
                         validate_choice=False)

    def value(self):
        allowed = {choice.value for choice in RECTIFICATION_FILTERS}
        return self.status.data if self.status.data in allowed else ""


class AgentSelectMixin:
    """Agent selects whose choices the view sets (`offer`); a forged id reads as None."""

    def offer(self, name, agents, blank=None, labels=None):
        """`labels`: {agent id: text} shown instead of the name where given."""
        if not hasattr(self, "_offered"):
            self._offered = {}
        self._offered[name] = {str(a.id): a for a in agents}
        labels = labels or {}
        self[name].choices = ([SelectChoice("", blank)] if blank is not None else []) + [
            SelectChoice(str(a.id), labels.get(a.id, a.name)) for a in agents]

    def agent(self, name):
        return getattr(self, "_offered", {}).get(name, {}).get(self[name].data or "")


class AbsenceForm(SubmitOnceMixin, AgentSelectMixin, FlaskForm):
    """An agent records their own leave; a manager may record one for an agent (agent_id)."""

    agent_id = SelectField(_l("代办员"), default="", validate_choice=False)
    start_on = DateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期。"))])
    end_on = DateField(_l("结束日期"), validators=[InputRequired(_l("请填写结束日期。"))])
    substitute_id = SelectField(_l("代岗人员"), default="", validate_choice=False)
    reason = _text(_l("事由"), Optional(), rows=2, max_length=500)

    def validate_end_on(self, field):
        if self.start_on.data and field.data and field.data < self.start_on.data:
            raise ValidationError(_l("结束日期不能早于开始日期。"))


class SubstituteForm(AgentSelectMixin, FlaskForm):
    substitute_id = SelectField(_l("代岗人员"), default="", validate_choice=False)


class CancelForm(FlaskForm):
    pass


class BulkReassignForm(AgentSelectMixin, FlaskForm):
    from_agent_id = SelectField(_l("原代办员"), default="",
                                validators=[DataRequired(_l("请选择原代办员。"))])
    to_agent_id = SelectField(_l("改派给"), default="",
                              validators=[DataRequired(_l("请选择新代办员。"))],
                              invalid_choice_message=_l("只能改派给本中心在岗的代办员。"))
    reason = _text(_l("改派原因"), DataRequired(_l("批量改派须填写原因。")), rows=2, max_length=500)
    # Set by the confirmation page: "1", and the plan's fingerprint it showed.
    confirmed = HiddenField()
    expected = HiddenField()

    def validate_to_agent_id(self, field):
        if field.data and field.data == self.from_agent_id.data:
            raise ValidationError(_l("原代办员和新代办员不能相同。"))
