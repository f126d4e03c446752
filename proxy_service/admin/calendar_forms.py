"""Forms of the working-day calendar page: one day, or a whole year pasted as text."""
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from proxy_service.calendar.schedule import FIRST_YEAR, LAST_YEAR
from proxy_service.models import DayKind

KIND_LABELS = {DayKind.REST: _l("放假（休息日）"), DayKind.WORKDAY: _l("调休上班（工作日）")}
# Words a pasted list may use for the kind: the codes, or the Chinese of the State Council notice.
# i18n-keep: words read from the pasted text, never shown
KIND_WORDS = {"rest": DayKind.REST, "休": DayKind.REST, "放假": DayKind.REST, "休息": DayKind.REST,
              "workday": DayKind.WORKDAY, "班": DayKind.WORKDAY, "上班": DayKind.WORKDAY,
              "调休上班": DayKind.WORKDAY}
SEPARATORS = re.compile(r"\s*[,，\t;；]\s*")  # i18n-keep: separators read from the pasted text


class YearForm(FlaskForm):
    """GET: open a year's schedule."""

    class Meta:
        csrf = False

    year = IntegerField(_l("年度"), validators=[
        InputRequired(_l("请填写年度。")),
        NumberRange(FIRST_YEAR, LAST_YEAR, _l("年度应在 %(min)s 至 %(max)s 之间。"))])


class DayForm(FlaskForm):
    """One rest day or make-up working day of `year` (set by the view)."""

    day = DateField(_l("日期"), validators=[DataRequired(_l("请填写正确的日期。"))])
    kind = SelectField(_l("类型"), choices=[SelectChoice(k.value, label) for k, label in
                                            KIND_LABELS.items()],
                       invalid_choice_message=_l("请选择类型。"))
    name = StringField(_l("名称"), validators=[Length(max=40, message=_l("名称不能超过 40 字。"))],
                       description=_l("如：国庆节、春节调休。"))

    def __init__(self, year, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def validate_day(self, field):
        if field.data and field.data.year != self.year:
            raise ValidationError(_l("日期不在 %(year)s 年内。", year=self.year))

    @property
    def entry(self):
        return self.day.data, DayKind(self.kind.data), (self.name.data or "").strip()


class ImportForm(FlaskForm):
    """A year's whole schedule, one date a line: `2027-01-01,rest,元旦`."""

    text = TextAreaField(_l("节假日与调休清单"), render_kw={"rows": 12},
                         validators=[DataRequired(_l("请粘贴节假日与调休清单。")),
                                     Length(max=20000)],
                         description=_l("每行一个日期：日期,类型,名称。类型写 rest/休 或 workday/班；"
                                        "名称可省略。导入将替换该年度现有的全部安排。"))

    def __init__(self, year, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.year, self.entries = year, []

    def validate_text(self, field):
        entries, seen = [], set()
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            entry = self._parse(number, line.strip())
            if entry[0] in seen:
                raise ValidationError(_l("第 %(n)s 行：日期重复。", n=number))
            seen.add(entry[0])
            entries.append(entry)
        if not entries:
            raise ValidationError(_l("清单中没有日期。"))
        self.entries = sorted(entries)

    def _parse(self, number, line):
        parts = SEPARATORS.split(line, maxsplit=2)
        if len(parts) < 2:
            raise ValidationError(_l("第 %(n)s 行：应为“日期,类型,名称”。", n=number))
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            raise ValidationError(_l("第 %(n)s 行：日期格式应为 YYYY-MM-DD。", n=number)) from None
        if day.year != self.year:
            raise ValidationError(_l("第 %(n)s 行：日期不在 %(year)s 年内。", n=number, year=self.year))
        kind = KIND_WORDS.get(parts[1].lower())
        if kind is None:
            raise ValidationError(_l("第 %(n)s 行：类型应为 rest（休）或 workday（班）。", n=number))
        name = parts[2].strip() if len(parts) > 2 else ""
        if len(name) > 40:
            raise ValidationError(_l("第 %(n)s 行：名称不能超过 40 字。", n=number))
        return day, kind, name
