"""How the demo data is written: in (foreign-key) order on one connection, with progress per stage.

PostgreSQL gets COPY through asyncpg for tables whose rows give every column (3x faster than batched
INSERTs on the member and order tables: docs/performance.md, "Scale"); SQLite gets batched executemany.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum as PyEnum
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Enum, Table, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection

Progress = Callable[[str, int, int], None]
Row = dict[str, Any]

BATCH_SIZE = 2_000

# The progress label of each table: what its rows are, so a bar's count is a count of those things
# (one table per label; tables not named here are labelled with their name).
_STAGES = {
    "product_variants": "variants",
    "variant_attributes": "variant attributes",
    "product_channel_listings": "product listings",
    "variant_channel_listings": "variant listings",
    "channel_locations": "location channels",
    "stock_levels": "stock levels",
    "inventory_movements": "stock movements",
    "coupon_templates": "coupon templates",
    "member_identities": "member identities",
    "member_tags": "member tags",
    "points_entries": "points entries",
    "order_lines": "order lines",
    "order_allocations": "allocations",
    "order_locations": "order locations",
    "order_events": "order events",
    "settlement_entries": "settlement entries",
}


def _copy_converter(column_type: Any) -> Callable[[Any], Any] | None:
    """What asyncpg's COPY needs done to a value SQLAlchemy would otherwise bind: enums as their values,
    JSON as text. Money (Decimal), UTC datetimes and the rest go through as they are."""
    if isinstance(column_type, Enum):
        return lambda v: v.value if isinstance(v, PyEnum) else v
    if isinstance(column_type, JSON):
        return lambda v: None if v is None else orjson.dumps(v).decode()
    return None


class Loader:
    """Writes rows in (foreign-key) order on one connection, counting rows per progress stage.

    PostgreSQL gets `COPY` (asyncpg's `copy_records_to_table`) for tables whose rows give every column,
    several times faster than batched INSERTs (docs/performance.md, "Scale"); SQLite and the rest get
    batched executemany INSERTs."""

    def __init__(self, conn: AsyncConnection, totals: dict[str, int], progress: Progress | None, copy: bool) -> None:
        self.conn, self.totals, self.progress = conn, totals, progress
        self.copy = copy and conn.dialect.name == "postgresql"
        self.done = dict.fromkeys(totals, 0)
        self.tables: list[Table] = []  # written, for the sequences

    async def write(self, table: Table, rows: list[Row]) -> None:
        if not rows:
            return
        if table not in self.tables:
            self.tables.append(table)
        stage = _STAGES.get(table.name, table.name)
        if self.copy and set(rows[0]) == set(table.c.keys()):
            await self._copy(table, rows, stage)
            return
        for start in range(0, len(rows), BATCH_SIZE):
            batch = rows[start : start + BATCH_SIZE]
            await self.conn.execute(insert(table), batch)
            self._advance(stage, len(batch))

    async def _copy(self, table: Table, rows: list[Row], stage: str) -> None:
        columns = list(rows[0])
        get = itemgetter(*columns)
        fixes = [(i, f) for i, name in enumerate(columns) if (f := _copy_converter(table.c[name].type))]
        raw = (await self.conn.get_raw_connection()).driver_connection
        assert raw is not None
        step = BATCH_SIZE * 10
        for start in range(0, len(rows), step):
            batch = rows[start : start + step]
            if fixes:
                records = []
                for row in batch:
                    record = list(get(row))
                    for i, fix in fixes:
                        record[i] = fix(record[i])
                    records.append(tuple(record))
            else:
                records = [get(row) for row in batch]
            await raw.copy_records_to_table(table.name, records=records, columns=columns)
            self._advance(stage, len(batch))

    def _advance(self, stage: str, rows: int) -> None:
        self.done[stage] = self.done.get(stage, 0) + rows
        if self.progress is not None:
            self.progress(stage, self.done[stage], max(self.totals.get(stage, 0), self.done[stage]))

    async def skip_foreign_key_checks(self) -> None:
        """On PostgreSQL as a superuser, skip the per-row foreign-key triggers for this transaction: the rows
        are made consistent, and checking each one was most of COPY's time (4 lookups per allocation)."""
        if self.copy and await self.conn.scalar(text("SELECT current_setting('is_superuser') = 'on'")):
            await self.conn.execute(text("SET LOCAL session_replication_role = replica"))

    async def fix_sequences(self) -> None:
        if self.conn.dialect.name != "postgresql":
            return
        # Explicit ids leave the serial sequences behind: move them past the rows just written.
        for table in (t for t in self.tables if "id" in t.c):  # composite keys (channel_locations) have none
            await self.conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT MAX(id) FROM {table.name}))")
            )


def stage_totals(tables: dict[Table, list[Row]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for table, rows in tables.items():
        stage = _STAGES.get(table.name, table.name)
        totals[stage] = totals.get(stage, 0) + len(rows)
    return totals
