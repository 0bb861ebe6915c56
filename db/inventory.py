"""Inventory storage: implements `domain.inventory.services.InventoryRepository`.

`apply` is the one place stock changes: a conditional UPDATE whose WHERE clause carries the
invariants, so concurrent changes of one stock level serialise on its row (PostgreSQL) or
on the write lock (SQLite) and never oversell.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from db import last_writes, outbox, webhook_events
from db.catalogue_changes import STOCK_CHANGED
from db.models import InventoryMovement, Location, OutboxEvent, ProductVariant, StockLevel
from db.sql import array_rows, core_execute, core_rows, dialect_name, insert_ignoring_duplicates
from domain.apps.webhooks import WebhookEventType
from domain.clock import Clock, system_clock
from domain.inventory.services import Change, Level, Movement, insufficient

_LEVELS, _MOVEMENTS = (cast(sa.Table, m.__table__) for m in (StockLevel, InventoryMovement))
_ON_HAND = _LEVELS.c.on_hand + sa.bindparam("on_hand_delta", type_=sa.Integer)
_RESERVED = _LEVELS.c.reserved + sa.bindparam("reserved_delta", type_=sa.Integer)
# Core statements on the tables, built once: a checkout runs them on its hot path, where building an
# ORM statement per call cost more CPU than the database spent on it.
_APPLY = (
    sa.update(_LEVELS)
    .where(
        _LEVELS.c.variant_id == sa.bindparam("variant"),
        _LEVELS.c.location_id == sa.bindparam("location"),
        _RESERVED >= 0,
        _ON_HAND >= _RESERVED,
    )
    .values(on_hand=_ON_HAND, reserved=_RESERVED, updated_at=sa.bindparam("now"))
    .returning(_LEVELS.c.id)
)


class SqlInventoryRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def variant_exists(self, variant_id: int) -> bool:
        return (
            await self.session.scalar(sa.select(ProductVariant.id).where(ProductVariant.id == variant_id)) is not None
        )

    async def location_exists(self, location_id: int) -> bool:
        return await self.session.scalar(sa.select(Location.id).where(Location.id == location_id)) is not None

    async def ensure_level(self, variant_id: int, location_id: int) -> None:
        """Create the (0, 0) stock level if missing; concurrent creators do not collide."""
        row = {
            "variant_id": variant_id,
            "location_id": location_id,
            "on_hand": 0,
            "reserved": 0,
            "updated_at": self.clock(),
        }
        await insert_ignoring_duplicates(self.session, StockLevel, [row], ["variant_id", "location_id"])

    async def apply(self, variant_id: int, location_id: int, on_hand_delta: int, reserved_delta: int) -> bool:
        parameters = {
            "variant": variant_id,
            "location": location_id,
            "on_hand_delta": on_hand_delta,
            "reserved_delta": reserved_delta,
            "now": self.clock(),
        }
        # Through the connection, without the ORM's execution layer: so the session's watch does not see
        # it, and the response cache hears of the change from here.
        self.session.info[STOCK_CHANGED] = True
        return bool(await core_rows(self.session, _APPLY, parameters))

    async def apply_last(self, changes: Sequence[Change]) -> None:
        """On PostgreSQL inside the unit of work's transaction, held for its commit (db/last_writes.py);
        made now elsewhere."""
        if last_writes.can_hold(self.session):
            self.session.info[STOCK_CHANGED] = True
            last_writes.hold(self.session, changes)
            return
        for c in changes:
            if not await self.apply(c.variant_id, c.location_id, c.on_hand_delta, c.reserved_delta):
                level = await self.level(c.variant_id, c.location_id)
                raise insufficient(level.available if level else 0, c.wanted, c.field)

    async def level(self, variant_id: int, location_id: int) -> Level | None:
        row = (
            await self.session.execute(
                sa.select(StockLevel.on_hand, StockLevel.reserved).where(
                    StockLevel.variant_id == variant_id, StockLevel.location_id == location_id
                )
            )
        ).first()
        return Level(row.on_hand, row.reserved) if row else None

    async def record(self, movements: Sequence[Movement]) -> None:
        if not movements:
            return
        now = self.clock()
        rows = [
            {
                "variant_id": m.variant_id,
                "location_id": m.location_id,
                "kind": m.kind,
                "on_hand_delta": m.on_hand_delta,
                "reserved_delta": m.reserved_delta,
                "reason": m.reason,
                "reference": m.reference,
                "staff_id": m.staff_id,
                "created_at": now,
            }
            for m in movements
        ]
        # stockChanged subscribers hear of every level that moved, once the transaction commits
        # ... and so do the webhooks for STOCK_CHANGED
        levels = [(m.variant_id, m.location_id) for m in movements]
        events = [
            *((outbox.stock_topic(v), str(loc)) for v, loc in levels),
            *webhook_events.rows(WebhookEventType.STOCK_CHANGED, (f"{v}:{loc}" for v, loc in levels)),
        ]
        if dialect_name(self.session) != "postgresql":
            await self.session.execute(sa.insert(_MOVEMENTS), rows)
            await outbox.record(self.session, events, now)
            return
        announced = list(dict.fromkeys(events))
        parameters: dict[str, Any] = {f"movement_{k}": [r[k] for r in rows] for k in _MOVEMENT_KEYS}
        parameters |= {"topics": [t for t, _ in announced], "messages": [m for _, m in announced], "now": now}
        await core_execute(self.session, _record_statement(), parameters)
        self.session.info[outbox.WRITTEN] = True


_MOVEMENT_KEYS = (
    "variant_id",
    "location_id",
    "kind",
    "on_hand_delta",
    "reserved_delta",
    "reason",
    "reference",
    "staff_id",
    "created_at",
)


@functools.cache
def _record_statement() -> sa.Insert:
    """PostgreSQL: the movements and their outbox rows in one statement (parameters `movement_<column>`,
    `topics`, `messages` and `now`)."""
    moved = array_rows(InventoryMovement, "movement", _MOVEMENT_KEYS)
    written = sa.insert(_MOVEMENTS).from_select(list(_MOVEMENT_KEYS), sa.select(*moved.c)).cte("moved")
    events = cast(sa.Table, OutboxEvent.__table__)
    announced = (
        sa.func.unnest(sa.bindparam("topics", type_=ARRAY(sa.Text)), sa.bindparam("messages", type_=ARRAY(sa.Text)))
        .table_valued(sa.column("topic", sa.Text), sa.column("message", sa.Text))
        .render_derived(name="announced")
    )
    created_at = sa.bindparam("now", type_=events.c.created_at.type)
    return (
        sa.insert(events)
        .from_select(["topic", "message", "created_at"], sa.select(announced.c.topic, announced.c.message, created_at))
        .add_cte(written)
    )
