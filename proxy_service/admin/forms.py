"""Forms of the manager's pages: enterprise verification, claims, catalogue and staff accounts."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from proxy_service.core.extensions import db
from proxy_service.core.forms import optional_version_field
from proxy_service.core.i18n import join_list
from proxy_service.core.submit_once import SubmitOnceMixin
from proxy_service.models import ApprovalItem, LimitUnit, Mode, Role, Stage, User
from proxy_service.models.catalog import item_prerequisites

INVALID_CHOICE = _l("所选项无效，请重新选择。")
# Far beyond any real limit or list, well inside the database's integers.
MAX_DAYS, MAX_SORT = 3650, 99999


def _choices(enum_cls):
    return [SelectChoice(member.value, member.label) for member in enum_cls]


def _item_choices(items):
    return [SelectChoice(item.id, _l("%(name)s（%(detail)s）", name=item.name, detail=item.stage.label))
            for item in items]


class DecisionForm(FlaskForm):
    """Approve, or reject with a reason (the reason is required only when rejecting)."""

    decision = RadioField(_l("处理结果"), choices=[SelectChoice("approve", _l("通过")),
                                                 SelectChoice("reject", _l("不通过"))],
                          # an unknown or missing choice fails here: no InputRequired to say it twice
                          invalid_choice_message=_l("请选择处理结果。"))
    note = TextAreaField(_l("说明"), validators=[Length(max=500)],
                         description=_l("不通过时必须说明原因，企业会看到这段说明。"))

    @property
    def approve(self):
        return self.decision.data == "approve"

    @property
    def reason(self):
        return (self.note.data or "").strip()

    def validate_note(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("不通过须说明原因。"))


class VerifyForm(DecisionForm):
    # The version the page showed; a forged one is a form error, not a crash in int().
    version = optional_version_field()


class ClaimForm(DecisionForm):
    pass


class ItemForm(SubmitOnceMixin, FlaskForm):
    name = StringField(_l("事项名称"), validators=[DataRequired(_l("请填写事项名称。")), Length(max=80)])
    stage = SelectField(_l("阶段"), choices=_choices(Stage), invalid_choice_message=INVALID_CHOICE)
    department = StringField(_l("实施部门"), validators=[DataRequired(_l("请填写实施部门。")),
                                                     Length(max=80)])
    mode = SelectField(_l("办理方式"), choices=_choices(Mode), invalid_choice_message=INVALID_CHOICE)
    statutory_limit = IntegerField(_l("法定时限"), validators=[
        Optional(), NumberRange(min=0, message=_l("法定时限不能为负数。")),
        NumberRange(max=MAX_DAYS, message=_l("时限不能超过 %(max)s 天。", max=MAX_DAYS))])
    statutory_unit = SelectField(_l("法定时限单位"), choices=_choices(LimitUnit),
                                 invalid_choice_message=INVALID_CHOICE)
    promised_limit = IntegerField(_l("承诺时限"), validators=[
        InputRequired(_l("请填写承诺时限。")), NumberRange(min=1, message=_l("承诺时限至少为 1 天。")),
        NumberRange(max=MAX_DAYS, message=_l("时限不能超过 %(max)s 天。", max=MAX_DAYS))])
    promised_unit = SelectField(_l("承诺时限单位"), choices=_choices(LimitUnit),
                                 invalid_choice_message=INVALID_CHOICE)
    materials = TextAreaField(_l("申报材料"), description=_l("每行一项。"))
    prerequisites = SelectMultipleField(_l("前置事项"), coerce=int, invalid_choice_message=INVALID_CHOICE,
                                        description=_l("这些事项批准后，本事项才能报送审批。"),
                                        render_kw={"size": 8})
    sort = IntegerField(_l("排序"), default=0, validators=[
        Optional(), NumberRange(-MAX_SORT, MAX_SORT, _l("排序应在 %(min)s 至 %(max)s 之间。"))])
    version = optional_version_field()   # of the item being edited (versioned.save)

    def __init__(self, center_id, item=None, **kwargs):
        super().__init__(obj=item, **kwargs)
        self.center_id, self.item = center_id, item
        if item is not None and not self.is_submitted():
            # SelectField would store str(enum member) ("Stage.BUILDING"): give it the values.
            for name in ("stage", "mode", "statutory_unit", "promised_unit"):
                getattr(self, name).data = getattr(item, name).value
            self.prerequisites.data = [p.id for p in item.prerequisites]
        others = db.session.scalars(select(ApprovalItem).where(
            ApprovalItem.center_id == center_id, ApprovalItem.id != getattr(item, "id", None))
            .order_by(ApprovalItem.sort, ApprovalItem.id)).all()
        chosen = set(self.prerequisites.data or [])
        self.prerequisites.choices = _item_choices(o for o in others
                                                   if not o.retired or o.id in chosen)

    def validate_prerequisites(self, field):
        if self.item is None:
            return   # nothing can require an item that does not exist yet
        looping = requirers_of(self.item.id, self.center_id) & set(field.data or [])
        if looping:
            names = join_list(c.label for c in field.choices if c.value in looping)
            raise ValidationError(_l("不能形成循环前置：%(items)s 已直接或间接以本事项为前置。",
                                     items=names))

    def apply(self, item):
        """Copy the form onto `item` (new or existing)."""
        item.name, item.department = self.name.data.strip(), self.department.data.strip()
        item.statutory_limit, item.promised_limit = self.statutory_limit.data, self.promised_limit.data
        lines = (line.strip() for line in (self.materials.data or "").splitlines())
        item.materials = "\n".join(line for line in lines if line)
        item.stage, item.mode = Stage(self.stage.data), Mode(self.mode.data)
        item.statutory_unit = LimitUnit(self.statutory_unit.data)
        item.promised_unit = LimitUnit(self.promised_unit.data)
        item.sort = self.sort.data or 0
        item.center_id = self.center_id
        item.prerequisites = _center_items(self.center_id, self.prerequisites.data)


def requirers_of(item_id, center_id):
    """Ids of the center's items that require `item_id`, directly or transitively (one query)."""
    edges = db.session.execute(
        select(item_prerequisites.c.item_id, item_prerequisites.c.prerequisite_id)
        .join(ApprovalItem, ApprovalItem.id == item_prerequisites.c.item_id)
        .where(ApprovalItem.center_id == center_id)).all()
    required_by = {}
    for requirer, prerequisite in edges:
        required_by.setdefault(prerequisite, set()).add(requirer)
    found, todo = set(), [item_id]
    while todo:
        for requirer in required_by.get(todo.pop(), ()):
            if requirer not in found:
                found.add(requirer)
                todo.append(requirer)
    return found


def _center_items(center_id, ids):
    if not ids:
        return []
    return db.session.scalars(select(ApprovalItem).where(
        ApprovalItem.center_id == center_id, ApprovalItem.id.in_(ids))).all()


class TemplateForm(SubmitOnceMixin, FlaskForm):
    name = StringField(_l("模板名称"), validators=[DataRequired(_l("请填写模板名称。")), Length(max=80)])
    description = TextAreaField(_l("说明"), validators=[Length(max=1000)])
    overall_limit = IntegerField(_l("整体承诺时限（工作日）"), validators=[
        Optional(), NumberRange(min=1, message=_l("整体时限至少为 1 个工作日。")),
        NumberRange(max=MAX_DAYS, message=_l("时限不能超过 %(max)s 天。", max=MAX_DAYS))])
    items = SelectMultipleField(_l("包含的审批事项"), coerce=int, invalid_choice_message=INVALID_CHOICE,
                                validators=[DataRequired(_l("请至少选择一项审批事项。"))],
                                render_kw={"size": 10})
    version = optional_version_field()   # of the template being edited (versioned.save)

    def __init__(self, center_id, template=None, **kwargs):
        super().__init__(obj=template, **kwargs)
        self.center_id = center_id
        if template is not None and not self.is_submitted():
            self.items.data = [item.id for item in template.items if not item.retired]
        # Retired items are left out: a new case cannot request them.
        current = db.session.scalars(select(ApprovalItem).where(
            ApprovalItem.center_id == center_id, ApprovalItem.retired.is_(False))
            .order_by(ApprovalItem.sort, ApprovalItem.id)).all()
        self.items.choices = _item_choices(current)

    def apply(self, template):
        template.name, template.description = self.name.data.strip(), self.description.data or ""
        template.overall_limit, template.center_id = self.overall_limit.data, self.center_id
        template.items = _center_items(self.center_id, self.items.data)


class UserForm(SubmitOnceMixin, FlaskForm):
    username = StringField(_l("用户名"), validators=[
        DataRequired(_l("请填写用户名。")), Length(min=3, max=60, message=_l("用户名长度为 3–60 个字符。")),
        Regexp(r"^[A-Za-z0-9_.\-]+$", message=_l("用户名只能包含字母、数字、下划线、点和连字符。"))])
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名。")), Length(max=60)])
    phone = StringField(_l("电话"), validators=[Optional(), Length(max=30)])
    email = StringField(_l("电子邮箱"), validators=[
        Optional(), Length(max=120), Email(_l("电子邮箱格式不正确。"))])
    role = SelectField(_l("角色"), choices=[SelectChoice(Role.AGENT.value, Role.AGENT.label),
                                          SelectChoice(Role.MANAGER.value, Role.MANAGER.label)],
                       invalid_choice_message=INVALID_CHOICE)
    password = PasswordField(_l("初始密码"), validators=[
        DataRequired(_l("请设置初始密码。")), Length(min=8, max=200, message=_l("密码至少 8 位。"))],
        description=_l("请通知本人首次登录后修改密码。"))

    def validate_username(self, field):
        taken = db.session.scalar(select(User.id).where(User.username == field.data.strip()))
        if taken is not None:
            raise ValidationError(_l("该用户名已被使用。"))

    def build(self, center_id):
        """The new account, not yet stored: workflow.accounts.open_account opens it."""
        user = User(username=self.username.data.strip(), name=self.name.data.strip(),
                    phone=(self.phone.data or "").strip(), email=(self.email.data or "").strip(),
                    role=Role(self.role.data), center_id=center_id)
        user.set_password(self.password.data)
        return user
