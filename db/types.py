"""Column types that behave the same on SQLite and PostgreSQL.

- `Amount`: exact money. NUMERIC(14, 3) on PostgreSQL; on SQLite (which has no decimal
  type) a scaled integer in thousandths, so comparisons and ORDER BY stay exact and in SQL.
- `UtcDateTime`: timezone-aware UTC datetimes in and out (SQLite returns naive ones).
- `BigIntPK`: 64-bit keys on PostgreSQL, SQLite's rowid alias on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Enum, Integer, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

_SCALE = 1000
_THOUSANDTH = Decimal("0.001")
_PG_NUMERIC = 1700  # the type oid of NUMERIC, which asyncpg reads as a Decimal


class Amount(TypeDecorator[Decimal]):
    impl = Numeric(14, 3)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(14, 3, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return int((Decimal(value) * _SCALE).to_integral_value())
        return Decimal(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """None (no call per value) where the driver already gives a `Decimal`: PostgreSQL's NUMERIC
        (asyncpg); thousands of amounts are read per report."""
        if dialect.name == "postgresql" and coltype == _PG_NUMERIC and dialect.driver == "asyncpg":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / _SCALE).quantize(_THOUSANDTH)
        return Decimal(value)

    def as_stored(self, value: Any, dialect: Dialect) -> Decimal | None:
        """`value` as a read gives it back once written (PostgreSQL rounds to the scale half away from
        zero)."""
        if value is None or dialect.name == "sqlite":
            return self.process_result_value(self.process_bind_param(value, dialect), dialect)
        return Decimal(value).quantize(_THOUSANDTH, ROUND_HALF_UP)


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        # asyncpg reads TIMESTAMPTZ as an aware datetime in UTC already: no call per value
        return None if dialect.driver == "asyncpg" else super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def as_stored(self, value: Any, dialect: Dialect) -> datetime | None:
        """`value` as a read gives it back once written."""
        return self.process_result_value(self.process_bind_param(value, dialect), dialect)


def str_enum(enum: type, length: int = 20) -> Enum:
    """Enums stored as their values in a VARCHAR (portable, readable, no native enum migrations)."""
    return Enum(
        enum, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e], validate_strings=True
    )
