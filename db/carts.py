"""Cart storage: implements `domain.orders.carts.CartRepository`.

A use case locks the cart row first (`cart(token, lock=True)`: FOR UPDATE on PostgreSQL; SQLite
write transactions take turns anyway), so concurrent changes of one cart serialise and the
line arithmetic in the use case sees what the previous change wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.mappers import columns, state
from db.models import Cart, CartLine, Channel, ChannelLocation, Location, Member, VariantChannelListing
from db.order_queries import sellable_prices, sellable_statement
from db.sql import core_rows
from domain.clock import Clock, system_clock
from domain.inventory.model import FulfilmentMethod
from domain.orders.cart_rules import CartLineState, CartState, ChannelInfo, LocationInfo
from domain.orders.carts import NewCart

CHANNEL_COLUMNS = columns(
    id=Channel.id,
    kind=Channel.kind,
    currency=Channel.currency,
    points_per_unit=Channel.points_per_unit,
    is_active=Channel.is_active,
    shipping_flat_rate=Channel.shipping_flat_rate,
    shipping_free_over=Channel.shipping_free_over,
    routing=Channel.routing,
)
_CHANNEL_BY_ID = sa.select(*CHANNEL_COLUMNS).where(Channel.id == sa.bindparam("id"))  # built once: checkout reads it


# Columns, not ORM objects: the use cases write with Core UPDATEs, and a stale object left in the
# session's identity map would hide those writes from the reads that follow.
CART_COLUMNS = columns(
    id=Cart.id,
    token=Cart.token,
    channel_id=Cart.channel_id,
    member_id=Cart.member_id,
    location_id=Cart.location_id,
    staff_id=Cart.staff_id,
    method=Cart.fulfilment_method,
    pickup_location_id=Cart.pickup_location_id,
    address=Cart.address,
    points=Cart.points,
    completed=Cart.completed_at.is_not(None),
    coupon_code=Cart.coupon_code,
    referring_location_id=Cart.referring_location_id,
    guide_id=Cart.guide_id,
    guide_location_id=Cart.guide_location_id,
)


class SqlCartRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def channel(self, slug: str | None) -> ChannelInfo | None:
        where = Channel.slug == slug if slug is not None else Channel.is_default.is_(True)
        row = (await self.session.execute(sa.select(*CHANNEL_COLUMNS).where(where))).first()
        return state(ChannelInfo, row) if row else None

    async def channel_by_id(self, channel_id: int) -> ChannelInfo:
        (row,) = await core_rows(self.session, _CHANNEL_BY_ID, {"id": channel_id})
        return state(ChannelInfo, row)

    async def member_exists(self, member_id: int) -> bool:
        return bool(
            await self.session.scalar(sa.select(sa.exists().where(Member.id == member_id, Member.erased_at.is_(None))))
        )

    async def create(self, cart: NewCart) -> int:
        now = self.clock()
        cart_id: int = (
            await self.session.execute(
                sa.insert(Cart)
                .values(
                    token=cart.token,
                    channel_id=cart.channel_id,
                    member_id=cart.member_id,
                    location_id=cart.location_id,
                    staff_id=cart.staff_id,
                    points=0,
                    created_at=now,
                    updated_at=now,
                )
                .returning(Cart.id)
            )
        ).scalar_one()
        return cart_id

    async def cart(self, token: str, *, lock: bool = False) -> CartState | None:
        stmt = sa.select(*CART_COLUMNS).where(Cart.token == token)
        row = (await self.session.execute(stmt.with_for_update() if lock else stmt)).first()
        return state(CartState, row) if row else None

    async def lines(self, cart_id: int) -> list[CartLineState]:
        rows = await self.session.execute(
            sa.select(*columns(id=CartLine.id, variant_id=CartLine.variant_id, quantity=CartLine.quantity))
            .where(CartLine.cart_id == cart_id)
            .order_by(CartLine.id)
        )
        return [state(CartLineState, r) for r in rows]

    async def sellable_variants(self, channel_id: int, variant_ids: Sequence[int]) -> set[int]:
        rows = await self.session.scalars(
            sellable_statement(VariantChannelListing.variant_id).where(
                VariantChannelListing.channel_id == channel_id, VariantChannelListing.variant_id.in_(variant_ids)
            )
        )
        return set(rows)

    async def prices(self, channel_id: int, variant_ids: Sequence[int]) -> dict[int, Decimal]:
        found = await sellable_prices(self.session, [(v, channel_id) for v in variant_ids])
        return {v: price for (v, _), price in found.items()}

    async def save_lines(self, cart_id: int, quantities: dict[int, int]) -> None:
        if not quantities:
            return
        now = self.clock()
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = insert(CartLine).values(
            [{"cart_id": cart_id, "variant_id": v, "quantity": q, "created_at": now} for v, q in quantities.items()]
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["cart_id", "variant_id"], set_={"quantity": stmt.excluded.quantity}
            )
        )
        await self._touch(cart_id)

    async def remove_lines(self, cart_id: int, line_ids: Sequence[int]) -> None:
        await self.session.execute(sa.delete(CartLine).where(CartLine.cart_id == cart_id, CartLine.id.in_(line_ids)))
        await self._touch(cart_id)

    async def set_fulfilment(
        self, cart_id: int, method: FulfilmentMethod, pickup_location_id: int | None, address: dict[str, object] | None
    ) -> None:
        await self._touch(cart_id, fulfilment_method=method, pickup_location_id=pickup_location_id, address=address)

    async def set_points(self, cart_id: int, points: int) -> None:
        await self._touch(cart_id, points=points)

    async def set_coupon(self, cart_id: int, code: str | None) -> None:
        await self._touch(cart_id, coupon_code=code)

    async def location(self, location_id: int, channel_id: int) -> LocationInfo | None:
        linked = sa.exists().where(ChannelLocation.location_id == Location.id, ChannelLocation.channel_id == channel_id)
        row = (
            await self.session.execute(
                sa.select(
                    *columns(
                        id=Location.id,
                        type=Location.type,
                        is_active=Location.is_active,
                        is_pickup_point=Location.is_pickup_point,
                        in_channel=linked,
                    )
                ).where(Location.id == location_id)
            )
        ).first()
        return state(LocationInfo, row) if row else None

    async def points_balance(self, member_id: int) -> int:
        return int(await self.session.scalar(sa.select(Member.points_balance).where(Member.id == member_id)) or 0)

    async def _touch(self, cart_id: int, **values: object) -> None:
        await self.session.execute(sa.update(Cart).where(Cart.id == cart_id).values(updated_at=self.clock(), **values))
