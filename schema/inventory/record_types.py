"""The stock records: the movement ledger and transfers in transit, for those who manage stock.

Every change to a stock level is an append-only movement (domain/inventory/services.py), so the
on-hand deltas of a level's movements sum to its `onHand`. A transfer sent to another location
is in transit until the receiver counts it in (domain/inventory/transfers.py). Store staff read
only their own location's records (domain/inventory/access.py), through the lists and `node` alike.
Their own module because they name staff users, whose type names locations.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from db.catalog_queries import rows_by_ids
from db.models import InventoryMovement as MovementModel
from db.models import StockTransfer as TransferModel
from domain.inventory.access import manages_stock_at, sees_transfer
from schema.accounts.types import StaffUser, visible_staff
from schema.catalog.types import ProductVariant
from schema.context import Info
from schema.inventory.enums import InventoryMovementKind, StockTransferStatus
from schema.inventory.types import Location
from schema.relay import Node, register_node


async def _location(info: Info, location_id: int) -> Location:
    return Location.from_model(await info.context.loaders.location_by_id.load_existing(location_id))


async def _variant(info: Info, variant_id: int) -> ProductVariant:
    return ProductVariant.from_model(await info.context.loaders.variant_by_id.load_existing(variant_id))


@strawberry.type(description="One change to a stock level, as the ledger recorded it (never changed afterwards).")
class InventoryMovement(Node):
    row: strawberry.Private[MovementModel]
    kind: InventoryMovementKind = strawberry.field(description="What changed the level.")
    delta: int = strawberry.field(description="Change to `onHand` (a level's deltas sum to its `onHand`).")
    reserved_delta: int = strawberry.field(description="Change to `reserved`.")
    reason: str | None = strawberry.field(description="Why, as recorded.")
    reference: str | None = strawberry.field(description="The order number or transfer reference it belongs to.")
    created_at: datetime = strawberry.field(description="When.")

    @strawberry.field(description="What the stock is of.")
    async def variant(self, info: Info) -> ProductVariant:
        return await _variant(info, self.row.variant_id)

    @strawberry.field(description="Where the stock is.")
    async def location(self, info: Info) -> Location:
        return await _location(info, self.row.location_id)

    @strawberry.field(
        description="The staff user who made the change; null for changes by shoppers or the system, "
        "and for staff users you may not see."
    )
    async def staff(self, info: Info) -> StaffUser | None:
        return await visible_staff(info, self.row.staff_id)

    @classmethod
    def from_model(cls, m: MovementModel) -> InventoryMovement:
        return cls(
            pk=m.id,
            row=m,
            kind=InventoryMovementKind(m.kind.value),
            delta=m.on_hand_delta,
            reserved_delta=m.reserved_delta,
            reason=m.reason or None,
            reference=m.reference,
            created_at=m.created_at,
        )


@strawberry.type(description="Units sent from one location to another, in transit until the receiver counts them in.")
class StockTransfer(Node):
    row: strawberry.Private[TransferModel]
    reference: str = strawberry.field(description="The reference both ledger movements of the transfer carry.")
    quantity: int = strawberry.field(description="Units sent.")
    received_quantity: int | None = strawberry.field(
        description="Units counted in by the receiver (fewer than sent when some were lost); null in transit."
    )
    status: StockTransferStatus = strawberry.field(description="Where the transfer is.")
    sent_at: datetime = strawberry.field(description="When it was sent.")
    received_at: datetime | None = strawberry.field(description="When it was counted in.")

    @strawberry.field(description="What was sent.")
    async def variant(self, info: Info) -> ProductVariant:
        return await _variant(info, self.row.variant_id)

    @strawberry.field(description="The sending location.")
    async def from_location(self, info: Info) -> Location:
        return await _location(info, self.row.from_location_id)

    @strawberry.field(description="The receiving location.")
    async def to_location(self, info: Info) -> Location:
        return await _location(info, self.row.to_location_id)

    @strawberry.field(description="Who sent it (null for staff users you may not see).")
    async def sent_by(self, info: Info) -> StaffUser | None:
        return await visible_staff(info, self.row.sent_by_staff_id)

    @strawberry.field(description="Who counted it in (null in transit, or for staff users you may not see).")
    async def received_by(self, info: Info) -> StaffUser | None:
        return await visible_staff(info, self.row.received_by_staff_id)

    @classmethod
    def from_model(cls, m: TransferModel) -> StockTransfer:
        return cls(
            pk=m.id,
            row=m,
            reference=m.reference,
            quantity=m.quantity,
            received_quantity=m.received_quantity,
            status=StockTransferStatus(m.status.value),
            sent_at=m.sent_at,
            received_at=m.received_at,
        )


async def _fetch_movements(info: Info, ids: list[int]) -> list[InventoryMovement | None]:
    found = await rows_by_ids(info.context.session, MovementModel, ids)
    principal = info.context.principal
    return [
        InventoryMovement.from_model(m) if (m := found.get(i)) and manages_stock_at(principal, m.location_id) else None
        for i in ids
    ]


async def _fetch_transfers(info: Info, ids: list[int]) -> list[StockTransfer | None]:
    found = await rows_by_ids(info.context.session, TransferModel, ids)
    principal = info.context.principal
    return [
        StockTransfer.from_model(t)
        if (t := found.get(i)) and sees_transfer(principal, t.from_location_id, t.to_location_id)
        else None
        for i in ids
    ]


register_node("InventoryMovement", _fetch_movements)
register_node("StockTransfer", _fetch_transfers)
