"""Keyset pagination: pages are `WHERE (key..., id) > (cursor) ORDER BY key..., id LIMIT n+1`.

Never OFFSET: the cost of a page does not grow with how deep the client has paged. A
cursor carries the name of the ordering it was made for and the row's sort key values, so a
cursor from one ordering cannot be replayed against another.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.sql import AnySelect, core_rows

T = TypeVar("T")


class InvalidCursor(ValueError):
    """The client sent a cursor we did not make (or made for another ordering)."""


@dataclass(frozen=True, slots=True)
class SortKey:
    column: sa.SQLColumnExpression[Any]  # a mapped attribute or a column expression
    descending: bool = False
    parse: Callable[[Any], Any] = lambda v: v


def parse_int(v: Any) -> int:
    # JSON can carry integers beyond 64 bits; the database cannot compare against them.
    if not isinstance(v, int) or isinstance(v, bool) or not -(2**63) <= v < 2**63:
        raise InvalidCursor("The cursor is not valid.")
    return v


def parse_str(v: Any) -> str:
    if not isinstance(v, str):
        raise InvalidCursor("The cursor is not valid.")
    return v


# Far beyond any amount column (NUMERIC(14, 3)) yet small enough for SQLite's scaled integers.
_MAX_CURSOR_DECIMAL = Decimal("1e15")


def parse_decimal(v: Any) -> Decimal:
    try:
        value = Decimal(str(v))
    except InvalidOperation:
        raise InvalidCursor("The cursor is not valid.") from None
    # NaN, Infinity or a huge exponent would fail in the database, not as a bad cursor.
    if not value.is_finite() or abs(value) >= _MAX_CURSOR_DECIMAL:
        raise InvalidCursor("The cursor is not valid.")
    return value


def parse_datetime(v: Any) -> datetime:
    if not isinstance(v, str):
        raise InvalidCursor("The cursor is not valid.")
    try:
        value = datetime.fromisoformat(v)
    except ValueError:
        raise InvalidCursor("The cursor is not valid.") from None
    if value.tzinfo is None:  # we only make cursors from aware datetimes; UTC columns refuse naive ones
        raise InvalidCursor("The cursor is not valid.")
    return value


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def unpadded_b64(data: bytes) -> str:
    """`base64.urlsafe_b64encode(data)` without its padding, in one C call rather than three Python
    ones (a page encodes a cursor per item and an id per object)."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class Ordering:
    """A named, total ordering (its last key must be unique, normally the id)."""

    name: str
    keys: Sequence[SortKey]

    def encode(self, values: Sequence[Any]) -> str:
        plain = [str(v) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, datetime) else v for v in values]
        return unpadded_b64(orjson.dumps([self.name, *plain]))

    def decode(self, cursor: str) -> list[Any]:
        try:
            raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (binascii.Error, ValueError, orjson.JSONDecodeError):
            raise InvalidCursor("The cursor is not valid.") from None
        if not isinstance(raw, list) or len(raw) != len(self.keys) + 1 or raw[0] != self.name:
            raise InvalidCursor("The cursor is not valid for this list and ordering.")
        return [key.parse(v) for key, v in zip(self.keys, raw[1:], strict=True)]


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backwards(self) -> bool:
        return self.last is not None and self.first is None


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total: int | None = None  # how many items the whole list holds, when its statement counted them


def _beyond(keys: Sequence[SortKey], prefix: str, forward: bool) -> sa.ColumnElement[bool]:
    """Rows strictly after (forward) or before the cursor in the ordering, for mixed directions:
    (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ..., the values parameters `<prefix>_<i>`."""
    values = [sa.bindparam(f"{prefix}_{i}", type_=cast(Any, key.column).type) for i, key in enumerate(keys)]
    clauses = []
    for i, key in enumerate(keys):
        greater = forward != key.descending
        op = key.column > values[i] if greater else key.column < values[i]
        equal = [keys[j].column == values[j] for j in range(i)]
        clauses.append(sa.and_(*equal, op))
    return sa.or_(*clauses)


def keyset_statement(stmt: AnySelect, ordering: Ordering, page: PageRequest) -> AnySelect:
    """`stmt` for one page, its cursors and size parameters (`keyset_parameters`): the same for every page
    of the same kind (first, after a cursor, before one), so it can be built once and kept."""
    backwards = page.backwards
    if page.after:
        stmt = stmt.where(_beyond(ordering.keys, "after", True))
    if page.before:
        stmt = stmt.where(_beyond(ordering.keys, "before", False))
    order = [(k.column.asc() if k.descending == backwards else k.column.desc()) for k in ordering.keys]
    return stmt.order_by(*order).limit(sa.bindparam("page_limit", type_=sa.Integer))


def page_kind(page: PageRequest) -> PageRequest:
    """What `keyset_statement` depends on of `page` (which cursors, which direction), as a cache key."""
    return PageRequest(
        first=0 if page.first is not None else None,
        after="cursor" if page.after else None,
        last=0 if page.last is not None else None,
        before="cursor" if page.before else None,
    )


def keyset_parameters(ordering: Ordering, page: PageRequest, size: int) -> dict[str, Any]:
    """The parameters of `keyset_statement`: the cursors' values (InvalidCursor when one is not ours)."""
    parameters: dict[str, Any] = {"page_limit": size + 1}
    for prefix, cursor in (("after", page.after), ("before", page.before)):
        if cursor:
            parameters.update((f"{prefix}_{i}", v) for i, v in enumerate(ordering.decode(cursor)))
    return parameters


def page_of(
    rows: Sequence[Any], ordering: Ordering, page: PageRequest, size: int, key_of: Callable[[Any], Sequence[Any]]
) -> Page[Any]:
    """The page from the rows of `keyset_statement` (one more than `size` when there are more)."""
    backwards = page.backwards
    more = len(rows) > size
    items = list(rows[:size])
    if backwards:
        items.reverse()
    return Page(
        items=items,
        cursors=[ordering.encode(key_of(r)) for r in items],
        has_next_page=more if not backwards else bool(page.before),
        has_previous_page=more if backwards else bool(page.after),
    )


async def keyset_page(
    session: AsyncSession,
    stmt: AnySelect,
    ordering: Ordering,
    page: PageRequest,
    size: int,
    key_of: Callable[[Any], Sequence[Any]],
    *,
    plain: bool = False,
) -> Page[Any]:
    """Run `stmt` for one page; `key_of(row)` gives a row's sort key values (cursor material). With
    `plain`, `stmt` selects columns and runs without the ORM's execution layer (db.sql.core_rows)."""
    parameters = keyset_parameters(ordering, page, size)
    statement = keyset_statement(stmt, ordering, page)
    rows = (
        await core_rows(session, statement, parameters)
        if plain
        else (await session.execute(statement, parameters)).all()
    )
    return page_of(rows, ordering, page, size, key_of)


def count_statement(stmt: AnySelect) -> AnySelect:
    return sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())


async def count(session: AsyncSession, stmt: AnySelect) -> int:
    return int(await session.scalar(count_statement(stmt)) or 0)


@dataclass(frozen=True, slots=True)
class ChildPage:
    """A dataloader key: one page of one parent's rows (newest, i.e. highest id, first), cursors decoded."""

    parent_id: int
    size: int
    after_id: int | None = None
    before_id: int | None = None
    backwards: bool = False


async def newest_child_pages(
    session: AsyncSession, model: Any, parent: Any, ordering: Ordering, keys: Sequence[ChildPage]
) -> dict[ChildPage, Page[Any]]:
    """Pages of many parents' rows (a member's orders, coupons, points...): one windowed statement per
    distinct page shape (in practice one), so a list of members costs the same as one. A backward page
    is read oldest-first from `before` and reversed, like `keyset_page`. `ordering` is the newest-first
    id ordering the cursors are made with."""
    shapes: dict[tuple[int, int | None, int | None, bool], list[int]] = {}
    for k in keys:
        shapes.setdefault((k.size, k.after_id, k.before_id, k.backwards), []).append(k.parent_id)
    found: dict[ChildPage, Page[Any]] = {}
    for (size, after_id, before_id, backwards), parent_ids in shapes.items():
        parent_col = getattr(model, parent.key)
        within = [
            *([model.id < after_id] if after_id is not None else []),
            *([model.id > before_id] if before_id is not None else []),
        ]
        order = model.id.asc() if backwards else model.id.desc()
        if len(parent_ids) == 1:  # one parent (`me { orders }`): a plain index range
            stmt = sa.select(model).where(parent_col == parent_ids[0], *within).order_by(order).limit(size + 1)
        else:
            rank = sa.func.row_number().over(partition_by=parent_col, order_by=order).label("rank")
            sub = sa.select(model, rank).where(parent_col.in_(parent_ids), *within).subquery()
            stmt = sa.select(aliased(model, sub)).where(sub.c.rank <= size + 1).order_by(sub.c[parent.key], sub.c.rank)
        rows = (await session.scalars(stmt, execution_options={"populate_existing": True})).all()
        by_parent: dict[int, list[Any]] = {}
        for r in rows:
            by_parent.setdefault(getattr(r, parent.key), []).append(r)
        for parent_id in parent_ids:
            items = by_parent.get(parent_id, [])
            more = len(items) > size
            items = items[:size]
            if backwards:
                items.reverse()
            found[ChildPage(parent_id, size, after_id, before_id, backwards)] = Page(
                items=items,
                cursors=[ordering.encode([r.id]) for r in items],
                has_next_page=more if not backwards else before_id is not None,
                has_previous_page=more if backwards else after_id is not None,
            )
    return found


async def child_counts(session: AsyncSession, parent: Any, parent_ids: Sequence[int]) -> dict[int, int]:
    """How many rows each parent has (`totalCount` of its child list), in one statement."""
    rows = await session.execute(sa.select(parent, sa.func.count()).where(parent.in_(parent_ids)).group_by(parent))
    return {parent_id: int(n) for parent_id, n in rows}
