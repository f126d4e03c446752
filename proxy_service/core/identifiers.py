"""The shapes of the identifiers forms ask for: the unified social credit code (统一社会信用代码,
GB 32100-2015) with its check character, mainland mobile numbers, and the investment project
code (项目代码). Pure functions: registration, the profile, case and notification forms and the
seed data all check the same way."""
import re

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MOBILE_SHAPE = re.compile(r"^1[3-9]\d{9}$")
PROJECT_CODE_SHAPE = re.compile(r"^\d{4}-\d{6}-\d{2}-\d{2}-\d{6}$")


def uscc_shape_ok(code: str) -> bool:
    return bool(USCC_SHAPE.match(code or ""))


def uscc_check_char(code: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of `code`."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(code[:17], USCC_WEIGHTS, strict=False))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_check_ok(code: str) -> bool:
    """Shape and check character both right. Some early legal codes fail the check."""
    return uscc_shape_ok(code) and uscc_check_char(code) == code[17]
