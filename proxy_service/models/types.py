"""Column types shared by all models: exact money and UTC-aware timestamps."""
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.types import TypeDecorator

from proxy_service.core import clock


class ExactDecimal(TypeDecorator):
    """A Decimal that stays exact on SQLite too (stored there as text).

    SQLite's NUMERIC affinity would turn 12345.6789 into a float.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision=16, scale=4):
        super().__init__(precision=precision, scale=scale)
        self.scale = scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(self.impl.precision, self.scale))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(Decimal(1).scaleb(-self.scale))
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)


class UTCDateTime(TypeDecorator):
    """Stored in UTC, read back timezone-aware on SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Column default: evaluated per row, through the app clock."""
    return clock.now()
