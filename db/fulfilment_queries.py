"""Fulfilment reads: the batch queries behind `Order.fulfillments`, `Fulfillment.lines` and `node`,
and a location's queue (`fulfillments`), oldest first, keyset-paged on the id (one index per
location and status)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Fulfilment, Order, OrderAllocation
from db.pagination import Ordering, Page, PageRequest, SortKey, keyset_page, parse_int
from domain.orders.fulfilment import FulfilmentStatus
from domain.orders.model import OrderStatus

FULFILMENT_ORDERING = Ordering("fulfilments", [SortKey(Fulfilment.id, parse=parse_int)])

# The use cases write fulfilments with Core statements: objects read earlier show what they wrote.
_FRESH = {"populate_existing": True}


async def _grouped(session: AsyncSession, model: Any, key: Any, ids: Sequence[int]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for r in await session.scalars(
        sa.select(model).where(key.in_(ids)).order_by(key, model.id), execution_options=_FRESH
    ):
        grouped[getattr(r, key.key)].append(r)
    return grouped


async def fulfilments_by_order_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Fulfilment]]:
    return await _grouped(session, Fulfilment, Fulfilment.order_id, ids)


async def allocations_by_order_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[OrderAllocation]]:
    return await _grouped(session, OrderAllocation, OrderAllocation.order_id, ids)


async def fulfilments_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[Fulfilment, Order]]:
    """Each fulfilment with its order (whose buyer decides who sees it)."""
    rows = await session.execute(
        sa.select(Fulfilment, Order).join(Order, Order.id == Fulfilment.order_id).where(Fulfilment.id.in_(ids)),
        execution_options=_FRESH,
    )
    return {f.id: (f, o) for f, o in rows}


def fulfilment_statement(location_id: int | None, status: FulfilmentStatus | None) -> sa.Select[Fulfilment, Order]:
    """The queue: fulfilments of orders placed and paid for (an unpaid order is not packed yet)."""
    stmt = (
        sa.select(Fulfilment, Order)
        .join(Order, Order.id == Fulfilment.order_id)
        .where(Order.status != OrderStatus.UNPAID)
    )
    if location_id is not None:
        stmt = stmt.where(Fulfilment.location_id == location_id)
    if status is not None:
        stmt = stmt.where(Fulfilment.status == status)
    return stmt


async def fulfilment_page(
    session: AsyncSession, page: PageRequest, size: int, statement: sa.Select[Fulfilment, Order]
) -> Page[Any]:
    return await keyset_page(session, statement, FULFILMENT_ORDERING, page, size, lambda r: (r[0].id,))
