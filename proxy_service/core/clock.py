"""The one clock of the application (DESIGN.md §4).

Everything that needs "now" or "today" asks here, so that tests can freeze
time and so that "today" is always the Beijing date, whatever the host's zone.
"""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in Asia/Shanghai."""
    return local_date(now())


def local_date(instant: datetime) -> date:
    """The Beijing date of an aware instant."""
    return instant.astimezone(BEIJING).date()


def freeze(instant: datetime | None) -> None:
    """Fix the clock at `instant` (aware datetime); None lets it run again. For tests."""
    global _frozen
    _frozen = instant
