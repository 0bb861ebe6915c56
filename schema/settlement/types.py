"""Settlement types: `Party`, `SettlementRule`, `SettlementEntry`, and an order's `OrderAttribution`.

Parties and entries are read by those who manage settlement (admins, apps with SETTLEMENT_WRITE), and
by a franchisee's or concession's store managers, their party's only (`settlement_view`); `Location.party`
and `Channel.party` are public like the rest of those types (null: the brand's). An order's
attribution is read by whoever sees the order (its guide only by those who see staff).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from db.models import Order as OrderModel
from db.models import SettlementEntry as EntryModel
from db.models import SettlementRule as RuleModel
from domain.access.model import AccessDenied, Permission
from domain.settlement import access, model
from domain.settlement.services import require_settlement
from domain.settlement.statements import SettlementStatementStatus
from schema.accounts.types import StaffUser, visible_staff
from schema.catalog.types import Category
from schema.channels.types import Channel
from schema.context import Info
from schema.errors import refused
from schema.inventory.types import Location
from schema.money import Money
from schema.relay import Node, not_fetchable, register_node
from schema.settlement.enums import SettlementEntryStatus, SettlementEvent, SettlementRole
from schema.settlement.party import Party, party_of

if TYPE_CHECKING:
    from schema.orders.types import OrderLine


def check_settlement_reader(info: Info) -> None:
    """Settlement figures are for admins and apps with SETTLEMENT_WRITE (a top-level error otherwise)."""
    try:
        require_settlement(info.context.principal)
    except AccessDenied as e:
        raise refused(e) from None


async def settlement_view(info: Info) -> access.SettlementView:
    """Whose figures the caller reads (domain/settlement/access.py): every party's, or the party of the
    store a staff user works at (none for the brand's own stores); a top-level error for anyone else."""
    ctx = info.context
    principal = ctx.principal
    store_party: int | None = None
    if principal.location_id is not None and not principal.can_everywhere(Permission.MANAGE_SETTLEMENT):
        store = await ctx.loaders.location_by_id.load(principal.location_id)
        party = await ctx.loaders.party_by_id.load(store.party_id) if store and store.party_id else None
        store_party = party.id if party and party.kind is not model.PartyKind.BRAND else None
    try:
        return access.settlement_view(principal, store_party)
    except AccessDenied as e:
        raise refused(e) from None


@strawberry.type(description="What a role earns: a rate of a line's net amount or a fixed amount per unit.")
class SettlementRule(Node):
    row: strawberry.Private[RuleModel]
    role: SettlementRole = strawberry.field(description="The role it pays.")
    rate: Decimal | None = strawberry.field(description='Percent of the line\'s net amount ("5" is 5 %).')
    fixed_amount: Money | None = strawberry.field(
        description="Amount per unit (in its channel's currency, or the default channel's; it pays only on orders "
        "in that currency)."
    )
    valid_from: datetime | None = strawberry.field(description="From when it applies; null: always has.")
    valid_to: datetime | None = strawberry.field(description="Until when (excluded); null: open-ended.")
    created_at: datetime = strawberry.field(description="When it was created (the newest wins a tie).")
    minimum_per_period: Money | None = strawberry.field(
        description="The party's guaranteed total per statement period (保底); null: none."
    )

    @strawberry.field(description="The party it is limited to, or (HOST, PLATFORM, SUPPLIER) pays; null: any.")
    async def party(self, info: Info) -> Party | None:
        return await party_of(info, self.row.party_id)

    @strawberry.field(description="The channel it is limited to; null: any.")
    async def channel(self, info: Info) -> Channel | None:
        row = await info.context.loaders.channel_by_id.load(self.row.channel_id) if self.row.channel_id else None
        return Channel.from_model(row) if row else None

    @strawberry.field(description="The location it is limited to; null: any.")
    async def location(self, info: Info) -> Location | None:
        row = await info.context.loaders.location_by_id.load(self.row.location_id) if self.row.location_id else None
        return Location.from_model(row) if row else None

    @strawberry.field(description="The category it is limited to; null: any.")
    async def category(self, info: Info) -> Category | None:
        row = await info.context.loaders.category_by_id.load(self.row.category_id) if self.row.category_id else None
        return Category.from_model(row) if row else None

    @classmethod
    def from_model(cls, m: RuleModel) -> SettlementRule:
        return cls(
            pk=m.id,
            row=m,
            role=m.role,
            rate=Decimal(format(m.rate.normalize(), "f")) if m.rate is not None else None,  # 70.000 -> 70
            fixed_amount=Money.of(m.fixed_amount, m.currency or "CNY") if m.fixed_amount is not None else None,
            valid_from=m.valid_from,
            valid_to=m.valid_to,
            created_at=m.created_at,
            minimum_per_period=(
                Money.of(m.minimum_per_period, m.currency or "CNY") if m.minimum_per_period is not None else None
            ),
        )


@strawberry.type(
    description="One party's share of one order line's sale or return, or a guaranteed minimum's top-up "
    "(an ADJUSTMENT of no order); never changed."
)
class SettlementEntry(Node):
    row: strawberry.Private[EntryModel]
    role: SettlementRole = strawberry.field(description="What the party is paid for.")
    amount: Money = strawberry.field(description="The share (negative for a return).")
    event: SettlementEvent = strawberry.field(description="Why it was written.")
    status: SettlementEntryStatus = strawberry.field(description="Where it stands.")
    created_at: datetime = strawberry.field(description="When it was written.")

    @strawberry.field(description="Who it is for.")
    async def party(self, info: Info) -> Party:
        return Party.from_model(await info.context.loaders.party_by_id.load_existing(self.row.party_id))

    @strawberry.field(description="The order line it splits; null if the line is gone, or for a top-up.")
    async def order_line(self, info: Info) -> Annotated[OrderLine, strawberry.lazy("schema.orders.types")] | None:
        from schema.orders.types import OrderLine

        if self.row.order_id is None:
            return None
        lines = await info.context.loaders.order_lines.load(self.row.order_id)
        line = next((ln for ln in lines if ln.id == self.row.order_line_id), None)
        return OrderLine.from_model(line, self.row.currency, None) if line else None

    @classmethod
    def from_model(cls, m: EntryModel, window_days: int, now: datetime, settled: bool) -> SettlementEntry:
        settleable_at = model.settleable_from(m.completed_at, m.created_at, window_days)
        return cls(
            pk=m.id,
            row=m,
            role=m.role,
            amount=Money.of(m.amount, m.currency),
            event=m.event,
            status=model.status(settleable_at, now, settled),
            created_at=m.created_at,
        )


async def order_entries(info: Info, order: OrderModel) -> list[SettlementEntry]:
    """`Order.settlementEntries`, for those who read settlement: a party's staff only their party's."""
    view = await settlement_view(info)
    ctx = info.context
    window = ctx.services.settlement_return_window_days
    rows = await ctx.loaders.entries_by_order.load(order.id)
    return [
        SettlementEntry.from_model(e, window, ctx.loaders.now, is_settled(s)) for e, s in rows if view.sees(e.party_id)
    ]


def is_settled(statement: SettlementStatementStatus | None) -> bool:
    """An entry is SETTLED once the statement that collected it is confirmed."""
    return statement in (SettlementStatementStatus.CONFIRMED, SettlementStatementStatus.PAID)


@strawberry.type(description="Who an order's sale is attributed to, frozen when it was placed.")
class OrderAttribution:
    order_row: strawberry.Private[OrderModel]

    @strawberry.field(description="The channel it was sold in.")
    async def channel(self, info: Info) -> Channel:
        return Channel.from_model(await info.context.loaders.channel_by_id.load_existing(self.order_row.channel_id))

    async def _location(self, info: Info, location_id: int | None) -> Location | None:
        row = await info.context.loaders.location_by_id.load(location_id) if location_id else None
        return Location.from_model(row) if row else None

    @strawberry.field(description="The store whose till sold it; null online.")
    async def selling_location(self, info: Info) -> Location | None:
        return await self._location(info, self.order_row.selling_location_id)

    @strawberry.field(description="The locations its units leave from (one per fulfilment), in id order.")
    async def fulfilling_locations(self, info: Info) -> list[Location]:
        loaders = info.context.loaders
        ids = sorted({f.location_id for f in await loaders.fulfilments_by_order.load(self.order_row.id)})
        return [Location.from_model(r) for r in await loaders.location_by_id.load_many(ids) if r is not None]

    @strawberry.field(description="The store whose referral code the cart carried; null when none.")
    async def referring_location(self, info: Info) -> Location | None:
        return await self._location(info, self.order_row.referring_location_id)

    @strawberry.field(
        description="The staff guide whose referral code the cart carried; null when none (or for callers "
        "who may not see staff)."
    )
    async def guide(self, info: Info) -> StaffUser | None:
        return await visible_staff(info, self.order_row.guide_id)


async def _fetch_parties(info: Info, ids: list[int]) -> list[Party | None]:
    view = await settlement_view(info)
    rows = await info.context.loaders.party_by_id.load_many(ids)
    return [Party.from_model(r) if r and view.sees(r.id) else None for r in rows]


async def _fetch_rules(info: Info, ids: list[int]) -> list[SettlementRule | None]:
    check_settlement_reader(info)
    return [SettlementRule.from_model(r) if r else None for r in await info.context.loaders.rule_by_id.load_many(ids)]


register_node("Party", _fetch_parties)
register_node("SettlementRule", _fetch_rules)
register_node("SettlementEntry", not_fetchable)  # read through its order
