"""Forms of the staff handling side: the step update form and the case action forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from proxy_service import workflow
from proxy_service.core import clock
from proxy_service.core.forms import version_field
from proxy_service.core.uploads import ACCEPT
from proxy_service.models import StepStatus
from proxy_service.models.audit_labels import ACTION_LABELS

NO_ACTION = ""
AGENT_ERROR = _l("只能指派本中心在岗的代办员。")


def text_area(label, *validators, rows=2, **kwargs):
    return TextAreaField(label, validators=[*validators, Length(max=2000)],
                         render_kw={"rows": rows}, **kwargs)


class StepForm(FlaskForm):
    action = RadioField(_l("办理操作"), default=NO_ACTION,
                        invalid_choice_message=_l("当前状态下不能执行所选操作。"))
    acceptance_no = StringField(_l("受理号"), validators=[Length(max=60)])
    # Dates are checked here for their form only; whether they can be true (not after today,
    # not before the round's filing) is step_rules.check_dates', whoever saves the step.
    submitted_on = DateField(_l("报送日期"), validators=[Optional()])
    refiled_on = DateField(_l("重新报送日期"), default=clock.today, validators=[Optional()],
                           description=_l("补正后重新报送时填写，默认今天。"))
    approved_on = DateField(_l("批准日期"), validators=[Optional()])
    permit_no = StringField(_l("批文/证照编号"), validators=[Length(max=80)])
    by_commitment = BooleanField(_l("以承诺制方式办结"))
    correction_request = text_area(_l("需补正内容"))
    returned_on = DateField(_l("退回日期"), default=clock.today, validators=[Optional()])
    refusal_reason = text_area(_l("不予许可理由"))
    refused_on = DateField(_l("不予许可日期"), default=clock.today, validators=[Optional()])
    refusal_decision_no = StringField(_l("不予许可决定书文号"), validators=[Length(max=80)])
    not_required_reason = text_area(_l("无需办理原因"))
    note = text_area(_l("办理说明"), rows=3)
    note_visibility = RadioField(_l("说明可见范围"), default="visible", choices=[
        SelectChoice("visible", _l("企业可见")), SelectChoice("internal", _l("仅内部"))])
    document = FileField(_l("上传批文或回执（可选）"), render_kw={"accept": ACCEPT})
    document_kind = SelectField(_l("文件类型"), default="permit", choices=[
        SelectChoice("permit", _l("批文证照")), SelectChoice("receipt", _l("受理回执")),
        SelectChoice("other", _l("其他"))])
    version = version_field()

    DETAIL_FIELDS = workflow.steps.STEP_FIELDS
    # Kept on the filing round (deadlines.ROUND_DATES); the page shows each with its action.
    ROUND_FIELDS = {"refiled_on": "submit", "returned_on": "return", "refused_on": "refuse"}

    def offer_actions(self, step):
        """Only the moves legal for the step now, after "information only"."""
        offered = workflow.step_actions(step)
        self.action.choices = [SelectChoice(NO_ACTION, _l("只更新信息，不变更状态"))] + [
            SelectChoice(action, ACTION_LABELS[action]) for action in offered]
        # The round dates the page shows: those of the actions offered now, and a refiling
        # date only after 补正 (a first filing's date is 报送日期).
        refiling = step.status is StepStatus.RETURNED
        self.round_dates = {name for name, action in self.ROUND_FIELDS.items()
                            if action in offered and (name != "refiled_on" or refiling)}

    @property
    def details(self):
        """The fields as typed; an empty one (an unticked box too) is None, which the workflow
        leaves alone (it trims text itself: every interface gets the same)."""
        return {name: self[name].data or None for name in (*self.DETAIL_FIELDS, *self.ROUND_FIELDS)}

    @property
    def note_text(self):
        return (self.note.data or "").strip()

    @property
    def note_is_internal(self):
        return self.note_visibility.data == "internal"


class AgentChoiceMixin:
    """An agent select limited to the active agents of the case's center."""

    def offer_agents(self, agents, blank=None, labels=None):
        choices = [SelectChoice("", blank)] if blank is not None else []
        choices += [SelectChoice(str(a.id), (labels or {}).get(a.id, a.name)) for a in agents]
        self.agent_id.choices = choices
        self._agents = {str(a.id): a for a in agents}

    @property
    def agent(self):
        return self._agents.get(self.agent_id.data or "")


class AcceptForm(AgentChoiceMixin, FlaskForm):
    agent_id = SelectField(_l("指派代办员"), default="", invalid_choice_message=AGENT_ERROR)
    comment = text_area(_l("受理意见（一次性告知材料与时限）"))
    version = version_field()


class AssignForm(AgentChoiceMixin, FlaskForm):
    agent_id = SelectField(_l("代办员"), default="", validators=[DataRequired(_l("请选择代办员。"))],
                           invalid_choice_message=AGENT_ERROR)
    reason = text_area(_l("改派原因"), description=_l("改派时必填。"))
    version = version_field()


class DeclineForm(FlaskForm):
    reason = text_area(_l("不予受理理由"), DataRequired(_l("不予受理须说明理由。")))
    version = version_field()


class SuspendForm(FlaskForm):
    reason = text_area(_l("中止原因"), DataRequired(_l("中止须说明理由。")))
    version = version_field()


class ResumeForm(FlaskForm):
    comment = text_area(_l("恢复说明"))
    version = version_field()


class TerminateForm(FlaskForm):
    reason = text_area(_l("终止原因"), DataRequired(_l("终止须说明理由。")))
    version = version_field()
