"""Writing a placed order: the order, its lines, allocations, locations, fulfilments, PLACED event and
outbox row.

On PostgreSQL it is one statement: data-modifying CTEs take the order id from the sequence, derive
the number from it, and hang the lines, allocations (matched to their line by variant: an order
has one line per variant), locations, fulfilments, event and outbox rows off it; rows come as arrays,
so the statement is compiled once. A checkout is a handful of round
trips on a busy event loop; seven of them were this. Elsewhere (SQLite) it is one statement per
table, the number written once the id is known.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from db import outbox, webhook_events
from db.models import Fulfilment, Order, OrderAllocation, OrderEvent, OrderLine, OrderLocation, OutboxEvent
from db.sql import unnest_rows
from db.types import Amount, UtcDateTime
from domain.inventory.model import Allocation
from domain.orders.access import order_locations
from domain.orders.checkout import NewOrder, NewOrderLine
from domain.orders.checkout import OrderEvent as PlacedEvent
from domain.orders.fulfilment import FulfilmentStatus, fulfilment_locations
from domain.orders.model import OrderStatus

NUMBER_DIGITS = 6
_ORDERS = cast(sa.Table, Order.__table__)


def order_number(order_id: int, created_at: datetime) -> str:
    return f"OS-{created_at:%Y%m%d}-{order_id:0{NUMBER_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class OrderRows:
    """The rows of one placed order, all but the ids the database gives."""

    order: dict[str, Any]
    lines: list[dict[str, Any]]
    allocations: list[dict[str, Any]]  # variant_id, location_id, quantity
    locations: list[int]
    fulfilments: list[dict[str, Any]]  # location_id, status, created_at, updated_at: one per location stock leaves
    event: dict[str, Any]


def order_rows(
    order: NewOrder, lines: Sequence[NewOrderLine], allocations: Sequence[Allocation], placed: PlacedEvent
) -> OrderRows:
    t = order.totals
    return OrderRows(
        order=dict(
            token=order.token,
            cart_id=order.cart_id,
            idempotency_key=order.idempotency_key,
            status=OrderStatus.UNPAID,
            channel_id=order.channel_id,
            member_id=order.member_id,
            location_id=order.location_id,
            staff_id=order.staff_id,
            fulfilment_method=order.method,
            pickup_location_id=order.pickup_location_id,
            address=dict(order.address) if order.address else None,
            currency=t.currency,
            subtotal=t.subtotal,
            discount_total=t.discount_total,
            points_discount=t.points_discount,
            shipping=t.shipping,
            total=t.total,
            points_spent=t.points_spent,
            points_earned=0,
            pickup_code_hash=order.pickup_code_hash,
            pickup_attempts=0,
            coupon_code=order.coupon_code,
            points_multiplier=order.points_multiplier,
            selling_location_id=order.selling_location_id,
            referring_location_id=order.referral.location_id,
            guide_id=order.referral.guide_id,
            guide_location_id=order.referral.guide_location_id,
            expires_at=order.expires_at,
            created_at=order.created_at,
            updated_at=order.created_at,
        ),
        lines=[
            {
                "variant_id": ln.variant_id,
                "sku": ln.sku,
                "product_name": ln.product_name,
                "variant_name": ln.variant_name,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "discounts": [{"label": label, "amount": str(amount)} for label, amount in ln.discounts],
                "total": ln.total,
                "returned_quantity": 0,
            }
            for ln in lines
        ],
        allocations=[
            {"variant_id": lines[int(a.line_key)].variant_id, "location_id": a.location_id, "quantity": a.quantity}
            for a in allocations
        ],
        locations=sorted(order_locations(order.location_id, (a.location_id for a in allocations))),
        fulfilments=[
            {
                "location_id": loc,
                "status": FulfilmentStatus.PENDING,
                "created_at": order.created_at,
                "updated_at": order.created_at,
            }
            for loc in fulfilment_locations(allocations)
        ],
        event={
            "type": placed.type,
            "data": dict(placed.data),
            "staff_id": placed.staff_id,
            "member_id": placed.member_id,
            "created_at": order.created_at,
        },
    )


def stored_order(rows: OrderRows, order_id: int, number: str, dialect: Dialect) -> Order:
    """The order row as a read gives it back once `rows` are written (a transient object): what the
    checkout answers with, without reading the order again."""
    values: dict[str, Any] = {c.key: None for c in _ORDERS.c} | rows.order | {"id": order_id, "number": number}
    for column in _ORDERS.c:
        if isinstance(column.type, Amount | UtcDateTime):
            values[column.key] = column.type.as_stored(values[column.key], dialect)
    return Order(**values)


async def write_order(session: AsyncSession, rows: OrderRows) -> tuple[int, str]:
    """Write `rows`; the order's id and number."""
    if session.get_bind().dialect.name == "postgresql":
        found = (await session.execute(_one_statement(_shape(rows)), _parameters(rows))).one()
        session.info[outbox.WRITTEN] = True
        return int(found.id), str(found.number)
    return await _statement_per_table(session, rows)


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the one statement's text depends on: which rows an order has, never their values."""

    order: tuple[str, ...]
    event: tuple[str, ...]
    lines: tuple[str, ...]
    allocations: tuple[str, ...]  # empty when there are none (nothing to reserve: a till sale)
    locations: bool
    fulfilments: tuple[str, ...]
    webhook_topic: str | None  # the webhook event the order's first event announces, if any


def _shape(rows: OrderRows) -> _Shape:
    event = webhook_events.ORDER_EVENTS.get(rows.event["type"])
    return _Shape(
        tuple(rows.order),
        tuple(rows.event),
        tuple(rows.lines[0]),
        tuple(rows.allocations[0]) if rows.allocations else (),
        bool(rows.locations),
        tuple(rows.fulfilments[0]) if rows.fulfilments else (),
        webhook_events.topic(event) if event is not None else None,
    )


def _parameters(rows: OrderRows) -> dict[str, Any]:
    """The values of one order, named as `_one_statement`'s bound parameters."""
    values: dict[str, Any] = {"number_prefix": f"OS-{rows.order['created_at']:%Y%m%d}-"}
    values |= {f"order_{k}": v for k, v in rows.order.items()}
    values |= {f"event_{k}": v for k, v in rows.event.items()}
    for name, table in (
        ("line", rows.lines),
        ("allocation", rows.allocations),
        ("fulfilment", rows.fulfilments),
        ("location", [{"location_id": loc} for loc in rows.locations]),
    ):
        values |= {f"{name}_{k}": [r[k] for r in table] for k in (table[0] if table else ())}
    return values


@functools.cache
def _one_statement(shape: _Shape) -> sa.Select[Any]:
    """The order's INSERTs as one statement of bound parameters, built once per shape: building and
    keying a statement of this size costs more CPU than running it, and a built statement keeps its
    cache key."""
    next_id = sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence("orders", "id")).label("id")).subquery("n")
    id_text = sa.cast(next_id.c.id, sa.Text)
    number = sa.bindparam("number_prefix", type_=sa.Text) + sa.func.lpad(
        id_text, sa.func.greatest(NUMBER_DIGITS, sa.func.length(id_text)), "0"
    )
    placed = (
        sa.insert(Order)
        .from_select(
            ["id", "number", *shape.order], sa.select(next_id.c.id, number, *_bound(Order, "order", shape.order))
        )
        .returning(Order.id, Order.number)
        .cte("placed")
    )
    ctes = [
        sa.insert(OrderEvent)
        .from_select(["order_id", *shape.event], sa.select(placed.c.id, *_bound(OrderEvent, "event", shape.event)))
        .cte("order_events_row"),
        sa.insert(OutboxEvent)
        .from_select(["topic", "message", "created_at"], _announcements(placed, shape.webhook_topic))
        .cte("outbox"),
    ]
    lines = unnest_rows(OrderLine, "line", shape.lines)
    added = (
        sa.insert(OrderLine)
        .from_select(
            ["order_id", *lines.c.keys()], sa.select(placed.c.id, *lines.c).join_from(placed, lines, sa.true())
        )
        .returning(OrderLine.id, OrderLine.variant_id)
        .cte("added_lines")
    )
    ctes.append(added)
    if shape.allocations:
        allocated = unnest_rows(OrderAllocation, "allocation", shape.allocations)
        ctes.append(
            sa.insert(OrderAllocation)
            .from_select(
                ["order_id", "order_line_id", *allocated.c.keys()],
                sa.select(placed.c.id, added.c.id, *allocated.c)
                .join_from(placed, added, sa.true())
                .join(allocated, allocated.c.variant_id == added.c.variant_id),
            )
            .cte("allocations")
        )
    if shape.locations:
        at = unnest_rows(OrderLocation, "location", ("location_id",))
        ctes.append(
            sa.insert(OrderLocation)
            .from_select(
                ["order_id", "location_id"], sa.select(placed.c.id, at.c.location_id).join_from(placed, at, sa.true())
            )
            .cte("locations")
        )
    if shape.fulfilments:
        parts = unnest_rows(Fulfilment, "fulfilment", shape.fulfilments)
        ctes.append(
            sa.insert(Fulfilment)
            .from_select(
                ["order_id", *parts.c.keys()], sa.select(placed.c.id, *parts.c).join_from(placed, parts, sa.true())
            )
            .cte("fulfilments")
        )
    return sa.select(placed.c.id, placed.c.number).add_cte(*ctes)


def _announcements(placed: Any, webhook_topic: str | None) -> sa.CompoundSelect[Any]:
    """The outbox rows of a placed order, made from the id the statement generates: its subscribers'
    topic and, for webhooks, ORDER_CREATED (what `_statement_per_table` records)."""
    order_id = sa.cast(placed.c.id, sa.Text)
    created_at = sa.bindparam("order_created_at", type_=OutboxEvent.created_at.type)
    selects = [sa.select(sa.literal(f"{outbox.ORDER}:") + order_id, order_id, created_at)]
    if webhook_topic is not None:
        selects.append(sa.select(sa.literal(webhook_topic), order_id, created_at))
    return sa.union_all(*selects)


def _bound(model: Any, prefix: str, keys: Sequence[str]) -> list[sa.ColumnElement[Any]]:
    """Bound parameters `<prefix>_<column>` typed as `model`'s columns (so enums, JSON and amounts bind
    as the ORM would)."""
    table = model.__table__
    return [sa.bindparam(f"{prefix}_{k}", type_=table.c[k].type) for k in keys]


async def _statement_per_table(session: AsyncSession, rows: OrderRows) -> tuple[int, str]:
    order_id: int = (
        await session.execute(sa.insert(Order).values(**rows.order, number=rows.order["token"]).returning(Order.id))
    ).scalar_one()
    number = order_number(order_id, rows.order["created_at"])
    await session.execute(  # updated_at as written (its onupdate would move it): the order was placed, not changed
        sa.update(Order).where(Order.id == order_id).values(number=number, updated_at=rows.order["updated_at"])
    )
    added = await session.execute(
        sa.insert(OrderLine).returning(OrderLine.id, OrderLine.variant_id),
        [{"order_id": order_id, **line} for line in rows.lines],
    )
    line_of = {variant: line_id for line_id, variant in added}
    if rows.allocations:
        await session.execute(
            sa.insert(OrderAllocation),
            [{"order_id": order_id, "order_line_id": line_of[a["variant_id"]], **a} for a in rows.allocations],
        )
    if rows.locations:
        await session.execute(
            sa.insert(OrderLocation), [{"order_id": order_id, "location_id": loc} for loc in rows.locations]
        )
    if rows.fulfilments:
        await session.execute(sa.insert(Fulfilment), [{"order_id": order_id, **f} for f in rows.fulfilments])
    await session.execute(sa.insert(OrderEvent).values(order_id=order_id, **rows.event))
    announcements = [
        (outbox.order_topic(order_id), str(order_id)),
        *webhook_events.order_events(rows.event["type"], order_id),
    ]
    await outbox.record(session, announcements, rows.order["created_at"])
    return order_id, number
