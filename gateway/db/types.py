"""Column types that keep the house rules at the storage edge: exact decimals and UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class ScaledDecimal(TypeDecorator[Decimal]):
    """A Decimal stored as an integer of 10^-scale units (cents for scale 2).

    Integers are exact and sum correctly on SQLite and PostgreSQL alike, where SQLite's NUMERIC would
    silently become a float. A value with more digits than the scale is refused, never rounded here:
    rounding happens at named points in the domain code only.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        d = Decimal(value)
        units = d.scaleb(self.scale)
        if units != units.to_integral_value():
            raise ValueError(f"{d} has more than {self.scale} decimal places")
        return int(units)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant, stored in UTC; naive datetimes are refused so local times never sneak in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("instants must be timezone-aware datetimes")
        utc = value.astimezone(UTC)
        # SQLite has no time zones: store naive UTC there.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
