"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

import functools
import keyword
from collections import namedtuple
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

# A SELECT of any number of columns: SQLAlchemy 2.1 types a select by its row (`Select[int, str]`), so
# `Select[Any]` is a select of one column.
AnySelect = sa.Select[*tuple[Any, ...]]


async def insert_ignoring_duplicates(
    session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]], unique: Sequence[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: concurrent writers of the same row do not collide."""
    if not rows:
        return
    insert = pg_insert if dialect_name(session) == "postgresql" else sqlite_insert
    await session.execute(insert(model).values(list(rows)).on_conflict_do_nothing(index_elements=list(unique)))


def dialect_name(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def any_of(session: AsyncSession, column: Any, values: Iterable[Any]) -> sa.ColumnElement[bool]:
    """`column IN (values)`: on PostgreSQL as `column = ANY($1)` with one array parameter, so the
    statement's text (and asyncpg's prepared statement) is the same for any number of values and
    nothing is expanded per execution; an expanding IN elsewhere."""
    items = list(values)
    if dialect_name(session) == "postgresql":
        return column == sa.any_(sa.literal(items, ARRAY(column.type)))
    return column.in_(items)


def in_parameter(dialect: str, column: Any, name: str) -> sa.ColumnElement[bool]:
    """`column IN :name` for a statement built once and executed with `name` bound to a list (see
    `any_of`)."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(column.type)))
    return column.in_(sa.bindparam(name, expanding=True))


async def core_rows(session: AsyncSession, statement: sa.Executable, parameters: dict[str, Any]) -> Sequence[Any]:
    """Rows of a statement of columns, through the session's connection without the ORM's execution
    layer (a third of a small read's cost): for hot reads that need no objects.

    The rows are named tuples (`_record`): reading a column by name off SQLAlchemy's `Row` first fails
    an ordinary attribute lookup, formatting an AttributeError each time, and a page of products reads
    some 1,900 columns that way (a tenth of its instructions)."""
    result = await (await session.connection()).execute(statement, parameters)
    record = _record(tuple(result.keys()))
    rows = result.all()
    if record is None:
        return rows
    new = tuple.__new__
    return [new(record, r) for r in rows]


async def core_execute(session: AsyncSession, statement: sa.Executable, parameters: dict[str, Any]) -> None:
    """A Core write that returns nothing, through the session's connection (as `core_rows`)."""
    await (await session.connection()).execute(statement, parameters)


def array_rows(model: Any, prefix: str, keys: Sequence[str]) -> Any:
    """PostgreSQL: rows as `unnest` of one array parameter per column (`<prefix>_<column>`), typed as
    `model`'s columns: one statement text (and one cached compilation and prepared statement) whatever
    the number of rows, where VALUES would be compiled anew for every count."""
    table = model.__table__
    arrays = [sa.bindparam(f"{prefix}_{k}", type_=ARRAY(table.c[k].type, dimensions=1)) for k in keys]
    return (
        sa.func.unnest(*arrays)
        .table_valued(*(sa.column(k, table.c[k].type) for k in keys))
        .render_derived(name=f"{prefix}_values")
    )


@functools.lru_cache(maxsize=512)
def _record(names: tuple[str, ...]) -> type | None:
    """A named tuple class for rows of these columns; None when a name cannot be a field's (a
    duplicate, a keyword, a leading underscore): such rows stay SQLAlchemy's."""
    if len(set(names)) != len(names) or not all(
        n.isidentifier() and not keyword.iskeyword(n) and not n.startswith("_") for n in names
    ):
        return None
    return namedtuple("Record", names)
