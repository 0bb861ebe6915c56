"""Writing a feed pass's increments to the report rollups and moving its watermark (db/report_feed.py),
in the pass's transaction.

On PostgreSQL it is one statement: each rollup's `INSERT ... ON CONFLICT DO UPDATE` is a data-modifying
CTE of the watermark's UPDATE, its rows `unnest` of one array per column (db/sql.py `array_rows`), so
the text is built and prepared once whatever the rows, and a pass pays one round trip for its writes
where a statement per table was six. Under a flash sale a round trip waits its turn on an event loop
busy with checkouts, and those turns are most of the lag of a sale's figures. Elsewhere (SQLite: one
writer in the process, no network) a statement per table.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    ReportCategoryOrdersDaily,
    ReportMemberOrdersDaily,
    ReportOrdersDaily,
    ReportProductMonthly,
    ReportProductSpan,
    ReportSalesDaily,
    ReportWatermark,
)
from db.sql import array_rows, dialect_name
from domain.reports.rollup import Rollup

FIGURES = ("units_sold", "units_returned", "gross", "discounts", "returns")
COUNTERS: dict[Any, tuple[str, ...]] = {  # what each rollup adds up (the rest of its columns are its key)
    ReportSalesDaily: FIGURES,
    ReportOrdersDaily: ("orders", *FIGURES),
    ReportCategoryOrdersDaily: ("orders", *FIGURES),
    ReportMemberOrdersDaily: ("orders",),
    ReportProductMonthly: ("units_sold", "sales"),
    ReportProductSpan: ("units_sold", "sales"),
}


def increments(rollup: Rollup) -> dict[Any, list[dict[str, Any]]]:
    """The rows to add, per rollup table, named by column."""

    def dated(key: Any) -> dict[str, Any]:
        row: dict[str, Any] = key._asdict()
        row["business_date"] = row.pop("day")
        return row

    def figures(rows: dict[Any, Any], counters: tuple[str, ...]) -> list[dict[str, Any]]:
        return [{**dated(key), **{c: getattr(f, c) for c in counters}} for key, f in rows.items()]

    def bounds(products: dict[Any, Any]) -> list[dict[str, Any]]:
        return [
            {**key._asdict(), "units_sold": f.units_sold, "sales": f.gross - f.discounts} for key, f in products.items()
        ]

    return {
        ReportSalesDaily: figures(rollup.lines, COUNTERS[ReportSalesDaily]),
        ReportOrdersDaily: figures(rollup.stores, COUNTERS[ReportOrdersDaily]),
        ReportCategoryOrdersDaily: figures(rollup.categories, COUNTERS[ReportCategoryOrdersDaily]),
        ReportMemberOrdersDaily: [{**dated(key), "orders": n} for key, n in rollup.members.items()],
        ReportProductMonthly: bounds(rollup.product_months()),
        ReportProductSpan: bounds(rollup.product_spans()),
    }


async def write(
    session: AsyncSession, name: str, rollup: Rollup | None, last_event_id: int, gaps: list[list[Any]], now: datetime
) -> None:
    """Add `rollup`'s increments (None: the pass counted nothing) and move the watermark `name`."""
    rows = increments(rollup) if rollup else {}
    if dialect_name(session) == "postgresql":
        parameters = {"mark_name": name, "mark_last_event_id": last_event_id, "mark_gaps": gaps, "mark_updated_at": now}
        for model in COUNTERS:
            for column in _columns(model):
                parameters[f"{model.__tablename__}_{column}"] = [row[column] for row in rows.get(model, ())]
        await session.execute(_one_statement(), parameters)
        return
    for model, table_rows in rows.items():
        if table_rows:
            await _upsert(session, model, table_rows)
    await session.execute(
        sa.update(ReportWatermark)
        .where(ReportWatermark.name == name)
        .values(last_event_id=last_event_id, gaps=gaps, updated_at=now)
    )


def _columns(model: Any) -> tuple[str, ...]:
    return (*(c.name for c in model.__table__.primary_key.columns), *COUNTERS[model])


def _keys(model: Any) -> list[str]:
    return [c.name for c in model.__table__.primary_key.columns]


async def _upsert(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    table = model.__table__
    insert = sqlite_insert(table)
    stmt = insert.on_conflict_do_update(
        index_elements=_keys(model), set_={c: table.c[c] + insert.excluded[c] for c in COUNTERS[model]}
    )
    await session.execute(stmt, rows)


@functools.cache
def _one_statement() -> sa.Update:
    """The watermark's UPDATE with every rollup's upsert as a CTE (PostgreSQL runs a data-modifying CTE
    to completion whether or not the statement reads it); an empty array adds no row."""
    upserts = []
    for model, counters in COUNTERS.items():
        table = model.__table__
        columns = _columns(model)
        rows = array_rows(model, table.name, columns)
        insert = pg_insert(table).from_select(list(columns), sa.select(*(rows.c[c] for c in columns)))
        upsert = insert.on_conflict_do_update(
            index_elements=_keys(model), set_={c: table.c[c] + insert.excluded[c] for c in counters}
        )
        upserts.append(upsert.cte(f"add_{table.name}"))
    w = ReportWatermark.__table__.c
    return (
        sa.update(ReportWatermark)
        .where(ReportWatermark.name == sa.bindparam("mark_name", type_=w.name.type))
        .values({c: sa.bindparam(f"mark_{c}", type_=w[c].type) for c in ("last_event_id", "gaps", "updated_at")})
        .add_cte(*upserts)
    )
