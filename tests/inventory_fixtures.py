"""Inventory test set-up: locations, channel links and stock written straight into the database.

Built on the `demo` fixture's catalogue (channels `online` and `pos`, products, variants) and
independent of whatever locations or stock the demo data may also hold: locations get fresh
codes and database-assigned ids, and `clear_stock` empties the variants a test uses first.
Every stock level written here gets the ledger rows that explain it (a RECEIVE for `on_hand`,
a RESERVATION for `reserved`), so the ledger invariant holds from the start.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import (
    Channel,
    ChannelLocation,
    InventoryMovement,
    Location,
    ProductChannelListing,
    ProductVariant,
    StockLevel,
    VariantChannelListing,
)
from domain.clock import system_clock
from domain.inventory.model import LocationType, MovementKind
from schema.relay import to_global_id

_codes = itertools.count(1)


@dataclass(frozen=True)
class Level:
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


async def channel_id(engine: AsyncEngine, slug: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(sa.select(Channel.id).where(Channel.slug == slug))
    assert found is not None, slug
    return int(found)


async def add_location(
    engine: AsyncEngine,
    *,
    name: str | None = None,
    type: LocationType = LocationType.STORE,
    channels: Iterable[str] = ("online",),
    is_active: bool = True,
    priority: int = 100,
    latitude: float | None = None,
    longitude: float | None = None,
) -> int:
    """A location sold into `channels` (slugs); returns its id."""
    code = f"T{next(_codes):04d}"
    async with engine.begin() as conn:
        location_id: int = (
            await conn.execute(
                sa.insert(Location)
                .values(
                    code=code,
                    name=name or f"Test location {code}",
                    type=type,
                    latitude=latitude,
                    longitude=longitude,
                    is_pickup_point=type is LocationType.STORE,
                    ships_to_home=True,
                    priority=priority,
                    is_active=is_active,
                    created_at=system_clock(),
                )
                .returning(Location.id)
            )
        ).scalar_one()
        for slug in channels:
            ch = await conn.scalar(sa.select(Channel.id).where(Channel.slug == slug))
            await conn.execute(sa.insert(ChannelLocation).values(channel_id=ch, location_id=location_id))
    return location_id


async def set_stock(engine: AsyncEngine, variant_id: int, location_id: int, on_hand: int, reserved: int = 0) -> None:
    """A new stock level, with the RECEIVE (and RESERVATION) movements that explain it."""
    now = system_clock()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(StockLevel).values(
                variant_id=variant_id, location_id=location_id, on_hand=on_hand, reserved=reserved, updated_at=now
            )
        )
        movements = [
            {"kind": MovementKind.RECEIVE, "on_hand_delta": on_hand, "reserved_delta": 0, "reason": "test set-up"}
        ]
        if reserved:
            movements.append(
                {
                    "kind": MovementKind.RESERVATION,
                    "on_hand_delta": 0,
                    "reserved_delta": reserved,
                    "reason": "test set-up",
                }
            )
        await conn.execute(
            sa.insert(InventoryMovement),
            [
                {
                    "variant_id": variant_id,
                    "location_id": location_id,
                    "reference": "test-setup",
                    "staff_id": None,
                    "created_at": now,
                    **m,
                }
                for m in movements
            ],
        )


async def clear_stock(engine: AsyncEngine, variant_ids: Sequence[int]) -> None:
    """Forget every stock level and movement of these variants (whatever the demo data put there)."""
    async with engine.begin() as conn:
        await conn.execute(sa.delete(InventoryMovement).where(InventoryMovement.variant_id.in_(variant_ids)))
        await conn.execute(sa.delete(StockLevel).where(StockLevel.variant_id.in_(variant_ids)))


async def level(engine: AsyncEngine, variant_id: int, location_id: int) -> Level | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(StockLevel.on_hand, StockLevel.reserved).where(
                    StockLevel.variant_id == variant_id, StockLevel.location_id == location_id
                )
            )
        ).first()
    return Level(row.on_hand, row.reserved) if row else None


async def movement_count(
    engine: AsyncEngine, variant_id: int | None = None, location_id: int | None = None, kind: MovementKind | None = None
) -> int:
    stmt = sa.select(sa.func.count()).select_from(InventoryMovement)
    if variant_id is not None:
        stmt = stmt.where(InventoryMovement.variant_id == variant_id)
    if location_id is not None:
        stmt = stmt.where(InventoryMovement.location_id == location_id)
    if kind is not None:
        stmt = stmt.where(InventoryMovement.kind == kind)
    async with engine.connect() as conn:
        return (await conn.execute(stmt)).scalar_one()


async def snapshot(engine: AsyncEngine) -> tuple[int, list[tuple[int, int, int, int]]]:
    """Every movement counted and every stock level: equal snapshots mean nothing was written."""
    async with engine.connect() as conn:
        movements = (await conn.execute(sa.select(sa.func.count()).select_from(InventoryMovement))).scalar_one()
        levels = (
            await conn.execute(
                sa.select(
                    StockLevel.variant_id, StockLevel.location_id, StockLevel.on_hand, StockLevel.reserved
                ).order_by(StockLevel.id)
            )
        ).all()
    return movements, [(r.variant_id, r.location_id, r.on_hand, r.reserved) for r in levels]


@dataclass(frozen=True)
class LedgerRow:
    variant_id: int
    location_id: int
    on_hand: int
    reserved: int
    on_hand_sum: int
    reserved_sum: int

    @property
    def consistent(self) -> bool:
        return (
            self.on_hand == self.on_hand_sum
            and self.reserved == self.reserved_sum
            and 0 <= self.reserved <= self.on_hand
        )


async def ledger(engine: AsyncEngine) -> list[LedgerRow]:
    """Every stock level beside the sums of its movements."""
    sums = (
        sa.select(
            InventoryMovement.variant_id,
            InventoryMovement.location_id,
            sa.func.sum(InventoryMovement.on_hand_delta).label("on_hand_sum"),
            sa.func.sum(InventoryMovement.reserved_delta).label("reserved_sum"),
        )
        .group_by(InventoryMovement.variant_id, InventoryMovement.location_id)
        .subquery()
    )
    stmt = (
        sa.select(
            StockLevel.variant_id,
            StockLevel.location_id,
            StockLevel.on_hand,
            StockLevel.reserved,
            sa.func.coalesce(sums.c.on_hand_sum, 0),
            sa.func.coalesce(sums.c.reserved_sum, 0),
        )
        .outerjoin(
            sums, sa.and_(sums.c.variant_id == StockLevel.variant_id, sums.c.location_id == StockLevel.location_id)
        )
        .order_by(StockLevel.variant_id, StockLevel.location_id)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
        orphans = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(InventoryMovement)
            .where(
                ~sa.exists().where(
                    StockLevel.variant_id == InventoryMovement.variant_id,
                    StockLevel.location_id == InventoryMovement.location_id,
                )
            )
        )
    assert orphans == 0, f"{orphans} movements belong to no stock level"
    return [LedgerRow(*(int(x) for x in r)) for r in rows]


@dataclass(frozen=True)
class CatalogueProduct:
    id: int
    variant_ids: list[int]

    @property
    def gid(self) -> str:
        return to_global_id("Product", self.id)


async def sellable_products(
    engine: AsyncEngine, count: int, channels: Sequence[str] = ("online",)
) -> list[CatalogueProduct]:
    """`count` demo products published and priced (every variant) in all `channels`, stock cleared."""
    async with engine.connect() as conn:
        ids = [(await conn.scalar(sa.select(Channel.id).where(Channel.slug == s))) for s in channels]
        candidates = (
            await conn.scalars(sa.select(ProductVariant.product_id).distinct().order_by(ProductVariant.product_id))
        ).all()
        chosen: list[CatalogueProduct] = []
        for product_id in candidates:
            listed = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(ProductChannelListing)
                .where(
                    ProductChannelListing.product_id == product_id,
                    ProductChannelListing.channel_id.in_(ids),
                    ProductChannelListing.is_published,
                    ProductChannelListing.min_price.is_not(None),
                )
            )
            variants = (
                await conn.scalars(
                    sa.select(ProductVariant.id)
                    .where(ProductVariant.product_id == product_id)
                    .order_by(ProductVariant.id)
                )
            ).all()
            priced = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(VariantChannelListing)
                .where(VariantChannelListing.variant_id.in_(variants), VariantChannelListing.channel_id.in_(ids))
            )
            if listed == len(ids) and priced == len(ids) * len(variants):
                chosen.append(CatalogueProduct(product_id, list(variants)))
            if len(chosen) == count:
                break
    assert len(chosen) == count, "the demo catalogue has too few products published in those channels"
    await clear_stock(engine, [v for p in chosen for v in p.variant_ids])
    return chosen


def variant_gid(variant_id: int) -> str:
    return to_global_id("ProductVariant", variant_id)


def location_gid(location_id: int) -> str:
    return to_global_id("Location", location_id)
