"""Feeding the report rollups (db/models/reports.py) from the order events, after they commit.

The source is `order_events`, the orders' append-only history, rather than the outbox: it is kept
for good (published outbox rows are purged after an hour, so a feed that was stopped for longer
would lose events), it says what each return took back, and a rebuild replays exactly it, so the
running feed and `omnishop reports-rebuild` count the same events by the same rules
(domain/reports/rollup.py). A PAID event is a sale, RETURNED a return, CANCELLED of a paid order a
return of everything; the rest counts nothing.

Each event counts once. The feed's watermark row holds the last event id counted; a pass locks it
(`FOR UPDATE SKIP LOCKED` on PostgreSQL: a second worker finds it taken and skips its turn; SQLite
has one writer, and the pass takes the write lock as it begins), reads the events after it, adds
their increments to the rollups and moves the watermark in that same transaction: a pass that
fails moves nothing and counts nothing.

Late commits: an event's id is given when it is inserted, so on PostgreSQL a transaction that
commits later can hold a lower id than events already counted (SQLite's one writer commits in id
order). A pass therefore remembers every id below the highest one it counted that it did not see,
as a gap, with the time it first missed it; later passes read those ids too and count the events
that have appeared. A gap still empty after `GAP_HORIZON` is forgotten: its transaction rolled back
(a rolled-back insert leaves its id unused), as none keeps an order event uncommitted that long.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductVariant,
    ReportCategoryOrdersDaily,
    ReportMemberOrdersDaily,
    ReportOrdersDaily,
    ReportProductMonthly,
    ReportProductSpan,
    ReportSalesDaily,
    ReportWatermark,
)
from domain.orders.records import OrderEventType
from domain.reports.rollup import CountedEvent, Happening, Rollup, SoldLine, SoldOrder

SALES = "sales"
BATCH = 1000
GAP_HORIZON = timedelta(minutes=10)
MAX_GAPS = 10_000  # ids remembered as gaps at most (the newest)
ROLLUPS = (
    ReportSalesDaily,
    ReportOrdersDaily,
    ReportCategoryOrdersDaily,
    ReportMemberOrdersDaily,
    ReportProductMonthly,
    ReportProductSpan,
)
_HAPPENINGS = {OrderEventType.PAID: Happening.SALE, OrderEventType.RETURNED: Happening.RETURN}
_COUNTED = (*_HAPPENINGS, OrderEventType.CANCELLED)  # the events that can change a figure
DUE = "report_events_written"  # session.info: the transaction wrote an event a pass counts


def note_event(session: AsyncSession, type: OrderEventType) -> None:
    """Mark the session when `type` is an event a pass counts: its request wakes the feed after the
    commit (an order placed counts nothing, so a flash sale's checkouts do not wake it)."""
    if type in _COUNTED:
        session.info[DUE] = True


async def due(session: AsyncSession, now: datetime) -> bool:
    """Whether a pass has anything to count (read only, so that an idle feed never takes a write lock).
    Events that change no figure (an order placed, shipped) do not make a pass due: the watermark moves
    over them with the next sale, return or cancellation, so a flash sale of unpaid orders costs the
    feed a read per timed pass (its commits do not wake it: `note_event`) rather than a write."""
    row = (
        await session.execute(
            sa.select(ReportWatermark.last_event_id, ReportWatermark.gaps).where(ReportWatermark.name == SALES)
        )
    ).first()
    last, gaps = (row[0], _gaps(row[1])) if row else (0, {})
    if any(now - seen >= GAP_HORIZON for seen in gaps.values()):
        return True
    waiting = sa.and_(OrderEvent.id > last, OrderEvent.type.in_(_COUNTED))
    if gaps:
        waiting = sa.or_(waiting, OrderEvent.id.in_(list(gaps)))
    return bool(await session.scalar(sa.select(sa.exists().where(waiting))))


async def feed(session: AsyncSession, zone: ZoneInfo, now: datetime, batch: int = BATCH) -> int | None:
    """One pass in the caller's (write) transaction: how many events it read (`batch`: there may be
    more), None when another worker holds the watermark."""
    state = await _lock(session, now)
    if state is None:
        return None
    last, gaps = state
    waiting = OrderEvent.id > last
    if gaps:
        waiting = sa.or_(waiting, OrderEvent.id.in_(list(gaps)))
    returned_lines = sa.case((OrderEvent.type == OrderEventType.RETURNED, OrderEvent.data), else_=sa.null())
    events = (
        await session.execute(
            sa.select(OrderEvent.id, OrderEvent.order_id, OrderEvent.type, returned_lines, OrderEvent.created_at)
            .where(waiting)
            .order_by(OrderEvent.id)
            .limit(batch)
        )
    ).all()
    seen = {e[0] for e in events}
    top = max((i for i in seen if i > last), default=last)
    gaps = {i: t for i, t in gaps.items() if i not in seen and now - t < GAP_HORIZON}
    gaps.update({i: now for i in range(max(last + 1, top - MAX_GAPS), top) if i not in seen})
    counted = await _counted(session, events)
    if counted:
        await _add(session, await _rollup(session, zone, counted))
    kept = sorted(gaps)[-MAX_GAPS:]
    await session.execute(
        sa.update(ReportWatermark)
        .where(ReportWatermark.name == SALES)
        .values(last_event_id=top, gaps=[[i, gaps[i].isoformat()] for i in kept], updated_at=now)
    )
    return len(events)


async def rebuild(session: AsyncSession, zone: ZoneInfo, now: datetime, batch: int = BATCH) -> int:
    """Empty the rollups and count every order event again, in the caller's transaction (readers see
    the old figures until it commits); how many events were read."""
    await _lock(session, now, wait=True)
    for table in ROLLUPS:
        await session.execute(sa.delete(table))
    await session.execute(
        sa.update(ReportWatermark).where(ReportWatermark.name == SALES).values(last_event_id=0, gaps=[])
    )
    total = 0
    while (read := await feed(session, zone, now, batch)) == batch:
        total += read
    return total + (read or 0)


def _gaps(raw: Any) -> dict[int, datetime]:
    return {int(i): datetime.fromisoformat(t) for i, t in raw or ()}


async def _lock(session: AsyncSession, now: datetime, wait: bool = False) -> tuple[int, dict[int, datetime]] | None:
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = sa.select(ReportWatermark.last_event_id, ReportWatermark.gaps).where(ReportWatermark.name == SALES)
    if postgres:
        stmt = stmt.with_for_update(skip_locked=not wait)
    row = (await session.execute(stmt)).first()
    if row is None:
        insert = pg_insert if postgres else sqlite_insert
        await session.execute(
            insert(ReportWatermark)
            .values(name=SALES, last_event_id=0, gaps=[], updated_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        row = (await session.execute(stmt)).first()
    return (int(row[0]), _gaps(row[1])) if row else None


async def _counted(session: AsyncSession, events: Sequence[Any]) -> list[CountedEvent]:
    """The events that change figures: sales, returns, and cancellations of paid orders."""
    cancelled = {e[1] for e in events if e[2] is OrderEventType.CANCELLED}
    paid: set[int] = set()
    if cancelled:
        paid = set(
            (
                await session.scalars(
                    sa.select(OrderEvent.order_id).where(
                        OrderEvent.order_id.in_(cancelled), OrderEvent.type == OrderEventType.PAID
                    )
                )
            ).all()
        )
    counted = []
    for event_id, order_id, type, data, at in events:
        if type is OrderEventType.CANCELLED and order_id in paid:
            counted.append(CountedEvent(event_id, order_id, Happening.CANCEL, at))
        elif type in _HAPPENINGS:
            returned = {int(k): int(v) for k, v in (data or {}).get("lines", {}).items()}
            counted.append(CountedEvent(event_id, order_id, _HAPPENINGS[type], at, returned))
    return counted


async def _rollup(session: AsyncSession, zone: ZoneInfo, counted: list[CountedEvent]) -> Rollup:
    orders = await _orders(session, {e.order_id for e in counted})
    returns = [e for e in counted if e.happening is Happening.RETURN]
    history: dict[int, list[tuple[int, dict[int, int]]]] = defaultdict(list)
    if returns:
        rows = await session.execute(
            sa.select(OrderEvent.order_id, OrderEvent.id, OrderEvent.data).where(
                OrderEvent.order_id.in_({e.order_id for e in returns}),
                OrderEvent.type == OrderEventType.RETURNED,
                OrderEvent.id < max(e.event_id for e in returns),
            )
        )
        for order_id, event_id, data in rows:
            history[order_id].append((event_id, {int(k): int(v) for k, v in data.get("lines", {}).items()}))
    rollup = Rollup(zone)
    for e in counted:
        earlier = [lines for i, lines in history.get(e.order_id, ()) if i < e.event_id]
        rollup.count(e, orders[e.order_id], earlier)
    return rollup


async def _orders(session: AsyncSession, order_ids: set[int]) -> dict[int, SoldOrder]:
    rows = await session.execute(
        sa.select(
            Order.id,
            Order.channel_id,
            Order.location_id,
            Order.member_id,
            Order.currency,
            OrderLine.id,
            OrderLine.variant_id,
            ProductVariant.product_id,
            Product.category_id,
            OrderLine.quantity,
            OrderLine.unit_price,
            OrderLine.total,
        )
        .join(OrderLine, OrderLine.order_id == Order.id)
        .outerjoin(ProductVariant, ProductVariant.id == OrderLine.variant_id)
        .outerjoin(Product, Product.id == ProductVariant.product_id)
        .where(Order.id.in_(order_ids))
        .order_by(OrderLine.id)
    )
    heads: dict[int, dict[str, Any]] = {}
    lines: dict[int, list[SoldLine]] = defaultdict(list)
    for order_id, channel, location, member, currency, line_id, variant, product, category, qty, price, total in rows:
        heads[order_id] = {
            "channel_id": channel,
            "location_id": location or 0,
            "member_id": member,
            "currency": currency,
        }
        lines[order_id].append(SoldLine(line_id, variant or 0, product or 0, category or 0, qty, price, total))
    return {i: SoldOrder(order_id=i, lines=tuple(lines[i]), **head) for i, head in heads.items()}


FIGURES = ("units_sold", "units_returned", "gross", "discounts", "returns")


async def _add(session: AsyncSession, rollup: Rollup) -> None:
    """Add the increments to the rollup rows, creating the rows that do not exist yet."""
    for table, rows, counters in (
        (ReportSalesDaily, rollup.lines, FIGURES),
        (ReportOrdersDaily, rollup.stores, ("orders", *FIGURES)),
        (ReportCategoryOrdersDaily, rollup.categories, ("orders", *FIGURES)),
    ):
        values = [
            {**key._asdict(), "business_date": key.day, **{c: getattr(f, c) for c in counters}}
            for key, f in rows.items()
        ]
        await _upsert(session, table, values, counters)
    members = [{**key._asdict(), "business_date": key.day, "orders": n} for key, n in rollup.members.items()]
    await _upsert(session, ReportMemberOrdersDaily, members, ("orders",))
    for bounded, products in (
        (ReportProductMonthly, rollup.product_months()),
        (ReportProductSpan, rollup.product_spans()),
    ):
        bounds = [
            {**key._asdict(), "units_sold": f.units_sold, "sales": f.gross - f.discounts} for key, f in products.items()
        ]
        await _upsert(session, bounded, bounds, ("units_sold", "sales"))


async def _upsert(session: AsyncSession, model: Any, rows: list[dict[str, Any]], counters: tuple[str, ...]) -> None:
    if not rows:
        return
    for row in rows:
        row.pop("day", None)
    table = model.__table__
    insert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(table)
    keys = [c.name for c in table.primary_key.columns]
    stmt = insert.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + insert.excluded[c] for c in counters}
    )
    await session.execute(stmt, rows)
