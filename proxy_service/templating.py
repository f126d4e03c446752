"""Jinja filters: Beijing-time dates, money, file sizes."""
from decimal import Decimal

from .clock import BEIJING


def beijing(value, fmt="%Y-%m-%d %H:%M"):
    return value.astimezone(BEIJING).strftime(fmt) if value else ""


def day(value):
    return value.strftime("%Y-%m-%d") if value else ""


def wan(value):
    """An amount in 万元, without trailing zeros: 12000.5000 → 12,000.5."""
    if value is None:
        return ""
    text = f"{Decimal(value):,.4f}".rstrip("0").rstrip(".")
    return text


def filesize(size):
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024


TEMPLATE_FILTERS = {"beijing": beijing, "day": day, "wan": wan, "filesize": filesize}
