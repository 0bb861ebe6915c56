"""The sales figures computed straight from the orders, their lines and their history, the slow way,
to hold the rollups' figures against (tests/api/test_report_reconciliation.py).

One pass over every order event: a PAID event sells the order's lines on its business day, a
RETURNED event gives back the units its data names on its day (each line's returned value kept
cumulative: after n of q units, round(total x n / q)), a CANCELLED event of an order that was paid
gives everything back on its day. Groups keep the set of orders they hold, so an order counts once
per group however many lines it has there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import Order, OrderEvent, OrderLine, Product, ProductVariant

CENT = Decimal("0.01")


def cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Group:
    orders: set[int] = field(default_factory=set)
    units: int = 0
    gross: Decimal = Decimal(0)
    discounts: Decimal = Decimal(0)
    returns: Decimal = Decimal(0)

    def add(self, other: Group) -> None:
        self.orders |= other.orders
        self.units += other.units
        self.gross += other.gross
        self.discounts += other.discounts
        self.returns += other.returns

    def figures(self) -> dict[str, Any]:
        n = len(self.orders)
        return {
            "orders": n,
            "units": self.units,
            "gross": str(cents(self.gross)),
            "discounts": str(cents(self.discounts)),
            "returns": str(cents(self.returns)),
            "net": str(cents(self.gross - self.discounts - self.returns)),
            "aov": str(cents((self.gross - self.discounts) / n)) if n else None,
        }


# (day, channel id, location id or None, category id or None)
Fine = tuple[date, int, int | None, int | None]


@dataclass
class Truth:
    groups: dict[Fine, Group]
    products: dict[int, tuple[int, Decimal]]  # product id -> (units, net)
    member_orders: list[tuple[int, date, int, int | None]]  # member, day, channel, location per paid order
    returned_by_line: dict[int, Decimal]  # what the events returned of each line, summed
    lines: dict[int, Any]


async def truth(engine: AsyncEngine, zone: ZoneInfo) -> Truth:
    async with engine.connect() as conn:
        orders = {r.id: r for r in await conn.execute(sa.select(Order))}
        lines = {
            r.id: r
            for r in await conn.execute(
                sa.select(OrderLine, ProductVariant.product_id, Product.category_id)
                .outerjoin(ProductVariant, ProductVariant.id == OrderLine.variant_id)
                .outerjoin(Product, Product.id == ProductVariant.product_id)
            )
        }
        events = (await conn.execute(sa.select(OrderEvent).order_by(OrderEvent.id))).all()
    by_order: dict[int, list[Any]] = defaultdict(list)
    for line in lines.values():
        by_order[line.order_id].append(line)
    groups: dict[Fine, Group] = defaultdict(Group)
    products: dict[int, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    returned_units: dict[int, int] = defaultdict(int)
    returned_by_line: dict[int, Decimal] = defaultdict(Decimal)
    member_orders = []
    paid: set[int] = set()
    for e in events:
        order = orders[e.order_id]
        day = e.created_at.astimezone(zone).date()
        if e.type.value == "PAID":
            paid.add(order.id)
            if order.member_id is not None:
                member_orders.append((order.member_id, day, order.channel_id, order.location_id))
            for line in by_order[order.id]:
                g = groups[(day, order.channel_id, order.location_id, line.category_id)]
                g.orders.add(order.id)
                g.units += line.quantity
                g.gross += line.unit_price * line.quantity
                g.discounts += line.unit_price * line.quantity - line.total
                products[line.product_id][0] += line.quantity
                products[line.product_id][1] += line.total
            continue
        if e.type.value == "RETURNED":
            back = {int(k): v for k, v in e.data["lines"].items()}
        elif e.type.value == "CANCELLED" and order.id in paid:
            back = {line.id: line.quantity for line in by_order[order.id]}
        else:
            continue
        for line_id, units in back.items():
            line = lines[line_id]
            before = returned_units[line_id]
            value = cents(line.total * (before + units) / line.quantity) - cents(line.total * before / line.quantity)
            returned_units[line_id] += units
            returned_by_line[line_id] += value
            g = groups[(day, order.channel_id, order.location_id, line.category_id)]
            g.units -= units
            g.returns += value
            products[line.product_id][0] -= units
            products[line.product_id][1] -= value
    return Truth(
        dict(groups),
        {p: (u, n) for p, (u, n) in products.items()},
        member_orders,
        dict(returned_by_line),
        lines,
    )


def period(day: date, dims: tuple[str, ...]) -> date | None:
    if "DAY" in dims:
        return day
    if "WEEK" in dims:
        return day - timedelta(days=day.weekday())
    if "MONTH" in dims:
        return day.replace(day=1)
    return None


def grouped(t: Truth, dims: tuple[str, ...]) -> tuple[dict[str, Any], dict[tuple[Any, ...], dict[str, Any]]]:
    """(totals, rows by (date, channel id, location id, category id)), None where not grouped by it."""
    rows: dict[tuple[Any, ...], Group] = defaultdict(Group)
    total = Group()
    for (day, channel, location, category), g in t.groups.items():
        key = (
            period(day, dims),
            channel if "CHANNEL" in dims else None,
            location if "LOCATION" in dims else None,
            category if "CATEGORY" in dims else None,
        )
        rows[key].add(g)
        total.add(g)
    return total.figures(), {k: g.figures() for k, g in rows.items()}
