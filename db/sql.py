"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_ignoring_duplicates(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]],
                                     unique: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: concurrent writers of the same row do not collide."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(model).values(list(rows)).on_conflict_do_nothing(index_elements=list(unique)))


def any_of(session: AsyncSession, column: Any, values: Iterable[Any]) -> sa.ColumnElement[bool]:
    """`column IN (values)`: on PostgreSQL as `column = ANY($1)` with one array parameter, so the
    statement's text (and asyncpg's prepared statement) is the same for any number of values and
    nothing is expanded per execution; an expanding IN elsewhere."""
    items = list(values)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        return column == sa.any_(sa.literal(items, ARRAY(column.type)))
    return column.in_(items)  # type: ignore[no-any-return]
