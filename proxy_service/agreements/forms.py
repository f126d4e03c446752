"""Forms of the agreement pages: signing, paper scans, the clause template, adding items."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from proxy_service.core.forms import CheckboxListField, optional_version_field
from proxy_service.core.submit_once import SubmitOnceMixin
from proxy_service.documents.default_clauses import parse_clauses
from proxy_service.documents.signature_images import (
    ImageError,
    seal_from_upload,
    signature_from_data_url,
)


def required(message):
    return DataRequired(message=message)


class SignForm(FlaskForm):
    signer_name = StringField(_l("签署人姓名"), validators=[
        required(_l("请填写签署人姓名。")), Length(max=60, message=_l("姓名不超过 60 个字。"))])
    signer_title = StringField(_l("职务"), validators=[
        required(_l("请填写签署人职务。")), Length(max=60, message=_l("职务不超过 60 个字。"))])
    method = RadioField(_l("签名方式"), default="drawn", choices=[
        SelectChoice("drawn", _l("手写签名")), SelectChoice("typed", _l("键入姓名"))],
        validators=[InputRequired(_l("请选择签名方式。"))],
        invalid_choice_message=_l("请选择签名方式。"))
    signature = HiddenField()
    use_seal = BooleanField(_l("加盖本企业电子公章"))
    confirm_read = BooleanField(_l("我已完整阅读并同意本协议全部内容"), validators=[
        DataRequired(_l("请确认已阅读协议。"))])
    password = PasswordField(_l("登录密码（再次验证身份）"), validators=[
        required(_l("请输入登录密码。"))])
    # Asked of users with two-factor login only (templates: needs_one_time_code).
    code = StringField(_l("动态验证码"), validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code"})

    def validate_signature(self, field):
        """A drawn signature must come as a PNG of sane size; typed needs none."""
        self.signature_png = None
        if self.method.data != "drawn":
            return
        try:
            self.signature_png = signature_from_data_url(field.data)
        except ImageError as err:
            raise ValidationError(str(err)) from err


class PaperUploadForm(SubmitOnceMixin, FlaskForm):
    scan = FileField(_l("签署后的协议扫描件"), validators=[
        FileRequired(_l("请选择扫描件。")),
        FileAllowed(["pdf", "jpg", "jpeg", "png"], _l("只接受 PDF、JPG 或 PNG 文件。"))],
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png"})


class PaperConfirmForm(FlaskForm):
    signer_name = StringField(_l("纸质件上的签署人"), validators=[
        required(_l("请填写签署人姓名。")), Length(max=60)])
    signer_title = StringField(_l("职务"), validators=[
        required(_l("请填写签署人职务。")), Length(max=60)])
    confirm_match = BooleanField(_l("已逐页核对：扫描件与协议原文一致，有甲方签字并加盖公章"), validators=[
        DataRequired(_l("请确认已逐页核对。"))])
    password = PasswordField(_l("登录密码（再次验证身份）"), validators=[
        required(_l("请输入登录密码。"))])
    # Asked of users with two-factor login only (templates: needs_one_time_code).
    code = StringField(_l("动态验证码"), validators=[Optional(), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code"})


class PaperRejectForm(FlaskForm):
    reason = TextAreaField(_l("退回原因"), validators=[
        required(_l("退回须说明原因。")), Length(max=500)], render_kw={"rows": 2})


class TemplateForm(FlaskForm):
    clauses = TextAreaField(_l("协议条款"), validators=[
        required(_l("条款不能为空。")), Length(min=50, max=20000, message=_l("条款长度应在 50 至 20000 字之间。"))],
        render_kw={"rows": 24, "spellcheck": "false"})

    def validate_clauses(self, field):
        if not parse_clauses(field.data):
            raise ValidationError(_l("每条以“# 标题”开头一行，其下每行一段。"))


class CountersignForm(FlaskForm):
    countersign_role = SelectField(_l("代表服务中心签署协议的人员"), choices=[
        SelectChoice("manager", _l("本中心管理员")), SelectChoice("agent", _l("案件的代办员"))])
    version = optional_version_field()   # of the center's settings (conflicts.save)


class AddItemsForm(FlaskForm):
    items = CheckboxListField(_l("追加的审批事项"), coerce=int,
                              validators=[DataRequired(_l("请至少选择一项。"))])
    version = optional_version_field()

    def offer(self, items):
        """The approval items to choose from (supplements.addable_items)."""
        self.offered = list(items)
        self.items.choices = [(item.id, _("%(name)s（%(detail)s）", name=item.name,
                                          detail=item.stage.label)) for item in self.offered]

    def chosen(self):
        """The offered items ticked, in the order offered."""
        ticked = set(self.items.data or ())
        return [item for item in self.offered if item.id in ticked]


class SealUploadForm(FlaskForm):
    seal = FileField(_l("电子公章图片（PNG，透明背景）"), validators=[
        FileRequired(_l("请选择公章图片。")), FileAllowed(["png"], _l("只接受 PNG 图片。"))],
        render_kw={"accept": ".png,image/png"})

    def validate_seal(self, field):
        """The image checked and re-encoded as a plain PNG (`seal_png`)."""
        try:
            self.seal_png = seal_from_upload(field.data)
        except ImageError as err:
            raise ValidationError(str(err)) from err

