"""Cart and order reads: the batch queries behind the dataloaders, and the `orders` keyset pages.

Every function is one SQL statement whatever the number of keys, so a cart with 10 lines or a
page of 50 orders with their lines and payments costs the same few statements as one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import (
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    OrderLocation,
    Payment,
    ProductChannelListing,
    ProductVariant,
    VariantChannelListing,
)
from db.pagination import (
    ChildPage,
    Ordering,
    Page,
    PageRequest,
    SortKey,
    child_counts,
    keyset_page,
    newest_child_pages,
    parse_int,
)
from domain.orders.model import OrderStatus

ORDER_ORDERING = Ordering("orders", [SortKey(Order.id, descending=True, parse=parse_int)])  # newest first


def sellable_statement(*columns: Any) -> sa.Select[Any]:
    """Variant listings whose product is published in the same channel: what a channel sells."""
    return (
        sa.select(*columns)
        .join(ProductVariant, ProductVariant.id == VariantChannelListing.variant_id)
        .join(
            ProductChannelListing,
            sa.and_(
                ProductChannelListing.product_id == ProductVariant.product_id,
                ProductChannelListing.channel_id == VariantChannelListing.channel_id,
            ),
        )
        .where(ProductChannelListing.is_published.is_(True))
    )


async def sellable_prices(session: AsyncSession, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """Current price of each (variant id, channel id) the channel sells; absent when it does not."""
    wanted = set(keys)
    rows = await session.execute(
        sellable_statement(
            VariantChannelListing.variant_id, VariantChannelListing.channel_id, VariantChannelListing.price
        ).where(
            VariantChannelListing.variant_id.in_({k[0] for k in keys}),
            VariantChannelListing.channel_id.in_({k[1] for k in keys}),
        )
    )
    return {(v, c): price for v, c, price in rows if (v, c) in wanted}


# The use cases write carts and orders with Core statements; `populate_existing` makes sure an object
# already in the session (read earlier in the request) shows what they wrote.
_FRESH = {"populate_existing": True}


async def carts_by_tokens(session: AsyncSession, tokens: Sequence[str]) -> dict[str, Cart]:
    rows = (await session.scalars(sa.select(Cart).where(Cart.token.in_(tokens)), execution_options=_FRESH)).all()
    return {r.token: r for r in rows}


# session.info: the orders this request's checkouts placed (token -> the row as written, `remember_placed`)
PLACED = "placed_orders"


def remember_placed(session: AsyncSession, order: Order) -> None:
    """Keep a placed order's row for the answer's read (the write knows every column)."""
    session.info.setdefault(PLACED, {})[order.token] = order


def forget_placed(session: AsyncSession) -> None:
    """Drop the rows kept: a transaction that rolled back placed nothing, and one that begins may change them."""
    session.info.pop(PLACED, None)


async def orders_by_tokens(session: AsyncSession, tokens: Sequence[str]) -> dict[str, Order]:
    """Orders by token; an order this request just placed is given once as it was written, the rest read."""
    placed = session.info.get(PLACED) or {}
    found = {t: placed.pop(t) for t in tokens if t in placed}
    if wanted := [t for t in tokens if t not in found]:
        rows = await session.scalars(sa.select(Order).where(Order.token.in_(wanted)), execution_options=_FRESH)
        found |= {r.token: r for r in rows}
    return found


async def locations_by_order_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, frozenset[int]]:
    """The locations each order belongs to (`domain.orders.access.order_locations`)."""
    found: dict[int, set[int]] = defaultdict(set)
    for order_id, location_id in await session.execute(
        sa.select(OrderLocation.order_id, OrderLocation.location_id).where(OrderLocation.order_id.in_(ids))
    ):
        found[order_id].add(location_id)
    return {k: frozenset(v) for k, v in found.items()}


async def _grouped(session: AsyncSession, model: Any, key: Any, ids: Sequence[int]) -> dict[int, list[Any]]:
    rows = (
        await session.scalars(sa.select(model).where(key.in_(ids)).order_by(key, model.id), execution_options=_FRESH)
    ).all()
    grouped: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        grouped[getattr(r, key.key)].append(r)
    return grouped


async def lines_by_cart_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[CartLine]]:
    return await _grouped(session, CartLine, CartLine.cart_id, ids)


async def lines_by_order_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[OrderLine]]:
    return await _grouped(session, OrderLine, OrderLine.order_id, ids)


async def payments_by_order_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Payment]]:
    return await _grouped(session, Payment, Payment.order_id, ids)


async def events_by_order_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[OrderEvent]]:
    return await _grouped(session, OrderEvent, OrderEvent.order_id, ids)


# ---------------------------------------------------------------------------- pages


@dataclass(frozen=True, slots=True)
class OrderQuery:
    member_id: int | None = None
    status: OrderStatus | None = None
    channel_id: int | None = None
    location_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    belongs_to: int | None = None  # store staff: only the orders of this location


def order_statement(q: OrderQuery) -> sa.Select[Any]:
    stmt = sa.select(Order)
    if q.belongs_to is not None:  # newest first through order_locations' primary key (location, order)
        stmt = stmt.join(
            OrderLocation, sa.and_(OrderLocation.order_id == Order.id, OrderLocation.location_id == q.belongs_to)
        )
    for column, value in (
        (Order.member_id, q.member_id),
        (Order.status, q.status),
        (Order.channel_id, q.channel_id),
        (Order.location_id, q.location_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if q.created_from is not None:
        stmt = stmt.where(Order.created_at >= q.created_from)
    if q.created_to is not None:
        stmt = stmt.where(Order.created_at < q.created_to)
    return stmt


async def order_page(session: AsyncSession, q: OrderQuery, page: PageRequest, size: int) -> Page[Any]:
    return await keyset_page(
        session, order_statement(q).execution_options(**_FRESH), ORDER_ORDERING, page, size, lambda r: (r[0].id,)
    )


async def member_order_pages(session: AsyncSession, keys: Sequence[ChildPage]) -> dict[ChildPage, Page[Any]]:
    """Pages of many members' orders, newest first, in one statement."""
    return await newest_child_pages(session, Order, Order.member_id, ORDER_ORDERING, keys)


async def member_order_counts(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, int]:
    return await child_counts(session, Order.member_id, member_ids)


async def member_order_pages_at(
    session: AsyncSession, keys: Sequence[tuple[ChildPage, int]]
) -> dict[tuple[ChildPage, int], Page[Any]]:
    """Pages of many members' orders, limited to the orders of one location (what store staff see):
    one statement per location, and a request's staff user has one."""
    by_location: dict[int, list[ChildPage]] = defaultdict(list)
    for page, location_id in keys:
        by_location[location_id].append(page)
    found: dict[tuple[ChildPage, int], Page[Any]] = {}
    for location_id, pages in by_location.items():
        at = aliased(Order, order_statement(OrderQuery(belongs_to=location_id)).subquery())
        for page, result in (await newest_child_pages(session, at, at.member_id, ORDER_ORDERING, pages)).items():
            found[(page, location_id)] = result
    return found


async def member_order_counts_at(session: AsyncSession, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """How many of one location's orders each member has (`totalCount` for store staff): one statement
    per location."""
    by_location: dict[int, list[int]] = defaultdict(list)
    for member_id, location_id in keys:
        by_location[location_id].append(member_id)
    found: dict[tuple[int, int], int] = {}
    for location_id, member_ids in by_location.items():
        at = aliased(Order, order_statement(OrderQuery(belongs_to=location_id)).subquery())
        for member_id, n in (await child_counts(session, at.member_id, member_ids)).items():
            found[(member_id, location_id)] = n
    return found
