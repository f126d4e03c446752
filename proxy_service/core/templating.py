"""Jinja filters: dates in Beijing time, numbers and amounts, each in the reader's language
(formats in i18n.py); file sizes."""
from decimal import Decimal

from proxy_service.core import i18n


def wan(value):
    """An amount in 万元, without trailing zeros: 12000.5000 → 12,000.5 (PDFs: always this form)."""
    if value is None:
        return ""
    text = f"{Decimal(value):,.4f}".rstrip("0").rstrip(".")
    return text


def filesize(size):
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024


TEMPLATE_FILTERS = {"beijing": i18n.beijing, "day": i18n.day, "wan": i18n.number,
                    "investment": i18n.investment, "time_limit": i18n.time_limit,
                    "filesize": filesize}
