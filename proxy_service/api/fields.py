"""Strict fields: a JSON body says what it means. marshmallow accepts "1" for an integer and
"true" for a boolean; these accept only JSON numbers and booleans, amounts only as decimal
strings (万元, never a float), and every message is written for the caller's language."""
import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_smorest.fields import Upload as SmorestUpload
from marshmallow import ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

COMMON = {"required": _l("缺少必填字段。"), "null": _l("该字段不能为 null。"),
          "validator_failed": _l("取值无效。")}


class Translated:
    """Messages in the request's language, made text when raised (marshmallow formats only
    plain strings)."""

    def make_error(self, key, **kwargs):
        return ValidationError(str(self.error_messages[key]))


class String(Translated, fields.String):
    default_error_messages = {**COMMON, "invalid": _l("应为字符串。")}


class Integer(Translated, fields.Integer):
    """Only a JSON integer: not "1", not 1.5, not true."""
    default_error_messages = {**COMMON, "invalid": _l("应为整数。"),
                              "too_large": _l("数值过大。")}

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._validated(value)


class Boolean(Translated, fields.Boolean):
    """Only JSON true or false: not "true", not 1."""
    default_error_messages = {**COMMON, "invalid": _l("应为布尔值 true 或 false。")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Amount(Translated, fields.Field):
    """An amount in 万元 as a decimal string ("12000.5"), up to four places: exact both ways."""
    PATTERN = re.compile(r"-?\d{1,12}(\.\d{1,4})?")
    default_error_messages = {**COMMON, "invalid": _l("金额应为字符串形式的十进制数（万元，最多四位小数）。")}

    def __init__(self, **kwargs):
        metadata = {"type": "string", "format": "decimal", "pattern": self.PATTERN.pattern,
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format(value.normalize(), "f")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self.PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        return Decimal(value)


class Date(Translated, fields.Date):
    default_error_messages = {**COMMON, "invalid": _l("应为 YYYY-MM-DD 格式的日期。")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class AwareDateTime(Translated, fields.AwareDateTime):
    """An ISO 8601 time with its offset (2026-12-07T10:00:00+08:00)."""
    default_error_messages = {**COMMON, "invalid": _l("应为带时区的 ISO 8601 时间。"),
                              "invalid_awareness": _l("应为带时区的 ISO 8601 时间。")}


class Enum(Translated, fields.Enum):
    """By value ("in_progress"); the contract lists the values."""
    default_error_messages = {**COMMON, "unknown": _l("不是允许的取值。")}

    def __init__(self, enum, **kwargs):
        super().__init__(enum, by_value=True, **kwargs)


Nested, List, Dict = fields.Nested, fields.List, fields.Dict


class QueryInteger(Translated, fields.Integer):
    """An integer in the query string: digits only (not "1.0", not "+1")."""
    default_error_messages = {**COMMON, "invalid": _l("应为整数。")}

    def _validated(self, value):
        if not (isinstance(value, str) and value.isascii() and value.isdigit()
                and len(value) < 10):
            raise self.make_error("invalid")
        return int(value)


class Upload(Translated, SmorestUpload):
    """A file part of a multipart/form-data body (not a plain text part of that name)."""
    default_error_messages = {**COMMON, "invalid": _l("应为上传的文件。")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


def not_blank(error):
    """Refuses a string of nothing but white space, with `error`."""
    def check(value):
        if not value.strip():
            raise ValidationError(str(error))
    return check


def max_length(limit):
    return validate.Length(max=limit, error=_l("最多 {max} 个字符。"))


def one_of(choices):
    return validate.OneOf(choices, error=_l("不是允许的取值。"))


def between(low, high):
    return validate.Range(min=low, max=high, error=_l("应在 {min} 到 {max} 之间。"))
