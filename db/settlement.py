"""Settlement storage: implements `domain.settlement.services.SettlementRepository`.

The brand party is created by the migration; `brand_party` creates it again if a database lost it
(one brand: a partial unique index, and a savepoint when two writers race to create it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Cart,
    Category,
    Channel,
    Location,
    Order,
    OrderAllocation,
    OrderLine,
    Party,
    Product,
    ProductVariant,
    SettlementEntry,
    SettlementRule,
    StaffUser,
)
from domain.clock import Clock, system_clock
from domain.settlement.model import PartyKind, Referral, Rule, Scope, SettlementEvent, SettlementRole, Share
from domain.settlement.services import LedgerEntry, Sale, SaleLine

BRAND_NAME = "Brand"


def rule_of(m: SettlementRule) -> Rule:
    return Rule(
        m.id,
        m.role,
        Scope(m.party_id, m.channel_id, m.location_id, m.category_id),
        m.rate,
        m.fixed_amount,
        m.valid_from,
        m.valid_to,
        m.currency,
        m.minimum_per_period,
    )


class SqlSettlementRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def brand_party(self) -> int:
        found = await self.session.scalar(sa.select(Party.id).where(Party.kind == PartyKind.BRAND))
        if found is not None:
            return int(found)
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    sa.insert(Party).values(name=BRAND_NAME, kind=PartyKind.BRAND, created_at=self.clock())
                )
        except IntegrityError:
            pass  # another transaction created it first
        return int(await self.session.scalar(sa.select(Party.id).where(Party.kind == PartyKind.BRAND)) or 0)

    async def add_party(self, name: str, kind: PartyKind) -> int:
        result = await self.session.execute(
            sa.insert(Party).values(name=name, kind=kind, created_at=self.clock()).returning(Party.id)
        )
        return int(result.scalar_one())

    async def party_exists(self, party_id: int) -> bool:
        return bool(await self.session.scalar(sa.select(sa.exists().where(Party.id == party_id))))

    async def missing_locations(self, ids: Sequence[int]) -> list[int]:
        found = set(await self.session.scalars(sa.select(Location.id).where(Location.id.in_(ids)))) if ids else set()
        return [i for i in ids if i not in found]

    async def missing_channels(self, ids: Sequence[int]) -> list[int]:
        found = set(await self.session.scalars(sa.select(Channel.id).where(Channel.id.in_(ids)))) if ids else set()
        return [i for i in ids if i not in found]

    async def missing_category(self, category_id: int) -> bool:
        return not await self.session.scalar(sa.select(sa.exists().where(Category.id == category_id)))

    async def currency(self, channel_id: int | None) -> str:
        stmt = sa.select(Channel.currency)
        stmt = stmt.where(Channel.id == channel_id) if channel_id is not None else stmt.where(Channel.is_default)
        return str(await self.session.scalar(stmt) or "CNY")

    async def assign_party(self, party_id: int, location_ids: Sequence[int], channel_ids: Sequence[int]) -> None:
        if location_ids:
            await self.session.execute(
                sa.update(Location).where(Location.id.in_(location_ids)).values(party_id=party_id)
            )
        if channel_ids:
            await self.session.execute(sa.update(Channel).where(Channel.id.in_(channel_ids)).values(party_id=party_id))

    async def rules(self, role: SettlementRole | None = None) -> list[Rule]:
        stmt = sa.select(SettlementRule).order_by(SettlementRule.id)
        if role is not None:
            # Rules are created one at a time (the brand's row is the lock: rule changes are rare), so
            # the second of two overlapping rules created at once sees the first.
            brand = await self.brand_party()
            await self.session.execute(sa.select(Party.id).where(Party.id == brand).with_for_update())
            stmt = stmt.where(SettlementRule.role == role)
        return [rule_of(m) for m in await self.session.scalars(stmt)]

    async def add_rule(self, rule: Rule) -> int:
        s = rule.scope
        result = await self.session.execute(
            sa.insert(SettlementRule)
            .values(
                role=rule.role,
                party_id=s.party_id,
                channel_id=s.channel_id,
                location_id=s.location_id,
                category_id=s.category_id,
                rate=rule.rate,
                fixed_amount=rule.fixed_amount,
                valid_from=rule.valid_from,
                valid_to=rule.valid_to,
                currency=rule.currency,
                minimum_per_period=rule.minimum,
                created_at=self.clock(),
            )
            .returning(SettlementRule.id)
        )
        return int(result.scalar_one())

    async def referral(self, code: str) -> Referral | None:
        store = await self.session.scalar(
            sa.select(Location.id).where(Location.referral_code == code, Location.is_active.is_(True))
        )
        if store is not None:
            return Referral(location_id=int(store))
        guide = (
            await self.session.execute(
                sa.select(StaffUser.id, StaffUser.location_id).where(
                    StaffUser.referral_code == code, StaffUser.is_active.is_(True)
                )
            )
        ).first()
        return Referral(guide_id=guide.id, guide_location_id=guide.location_id) if guide else None

    async def set_cart_referral(self, cart_id: int, referral: Referral) -> None:
        await self.session.execute(
            sa.update(Cart)
            .where(Cart.id == cart_id)
            .values(
                referring_location_id=referral.location_id,
                guide_id=referral.guide_id,
                guide_location_id=referral.guide_location_id,
                updated_at=self.clock(),
            )
        )

    async def sale(self, order_id: int) -> Sale | None:
        order = (
            await self.session.execute(
                sa.select(
                    Order.currency,
                    Order.channel_id,
                    Order.selling_location_id,
                    Order.referring_location_id,
                    Order.guide_id,
                    Order.guide_location_id,
                    Order.points_discount,
                ).where(Order.id == order_id)
            )
        ).first()
        if order is None:
            return None
        lines = (
            await self.session.execute(
                sa.select(OrderLine.id, OrderLine.quantity, OrderLine.total, Product.category_id)
                .outerjoin(ProductVariant, ProductVariant.id == OrderLine.variant_id)
                .outerjoin(Product, Product.id == ProductVariant.product_id)
                .where(OrderLine.order_id == order_id)
                .order_by(OrderLine.id)
            )
        ).all()
        sources: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for line_id, location_id, units in await self.session.execute(
            sa.select(OrderAllocation.order_line_id, OrderAllocation.location_id, OrderAllocation.quantity)
            .where(OrderAllocation.order_id == order_id)
            .order_by(OrderAllocation.id)
        ):
            sources[line_id].append((location_id, units))
        referral = Referral(order.referring_location_id, order.guide_id, order.guide_location_id)
        places = {order.selling_location_id, referral.location_id, referral.guide_location_id}
        places |= {loc for parts in sources.values() for loc, _ in parts}
        places.discard(None)
        owners: list[Any] = []
        if places:
            owners = list(
                await self.session.execute(
                    sa.select(Location.id, Location.party_id, Party.kind)
                    .outerjoin(Party, Party.id == Location.party_id)
                    .where(Location.id.in_(places))
                )
            )
        party_of: dict[int, int | None] = {row.id: row.party_id for row in owners}
        suppliers = {row.party_id for row in owners if row.kind is PartyKind.SUPPLIER and row.party_id is not None}
        return Sale(
            order.currency,
            order.channel_id,
            order.selling_location_id,
            referral,
            order.points_discount,
            [SaleLine(ln.id, ln.quantity, ln.total, ln.category_id, tuple(sources[ln.id])) for ln in lines],
            party_of,
            frozenset(suppliers),
        )

    async def supplier_locations(self, location_ids: Sequence[int]) -> list[int]:
        rows = await self.session.scalars(
            sa.select(Location.id)
            .join(Party, Party.id == Location.party_id)
            .where(Location.id.in_(location_ids), Party.kind == PartyKind.SUPPLIER)
        )
        return list(rows)

    async def sale_entries(self, order_id: int) -> tuple[datetime | None, list[LedgerEntry]]:
        rows = (
            await self.session.scalars(
                sa.select(SettlementEntry)
                .where(SettlementEntry.order_id == order_id, SettlementEntry.event == SettlementEvent.SALE)
                .order_by(SettlementEntry.id)
            )
        ).all()
        completed_at = max((r.completed_at for r in rows), default=None)
        return completed_at, [
            LedgerEntry(r.order_line_id, Share(r.party_id, r.role, r.amount, r.rule_id)) for r in rows
        ]

    async def add_entries(
        self,
        order_id: int,
        currency: str,
        event: SettlementEvent,
        completed_at: datetime,
        entries: Sequence[LedgerEntry],
    ) -> None:
        now = self.clock()
        rows: list[dict[str, Any]] = [
            {
                "order_id": order_id,
                "order_line_id": e.line_id,
                "party_id": e.share.party_id,
                "role": e.share.role,
                "event": event,
                "rule_id": e.share.rule_id,
                "amount": e.share.amount,
                "currency": currency,
                "completed_at": completed_at,
                "created_at": now,
            }
            for e in entries
        ]
        if rows:
            # render_nulls: one executemany, not one statement per set of null columns
            await self.session.execute(sa.insert(SettlementEntry), rows, execution_options={"render_nulls": True})
