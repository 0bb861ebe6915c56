"""The stock ledger in the graph: `inventoryMovements`, newest first, for those who manage stock.

Every change to a stock level is an append-only movement (domain/inventory/services.py), so the
on-hand deltas of a level's movements sum to its `onHand`. Store staff read only their own
location's movements (domain/inventory/access.py), by the list and by `node` alike.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from db import inventory_movements as im
from db.catalog_queries import rows_by_ids
from db.models import InventoryMovement as MovementModel
from db.pagination import count
from domain.access.model import AccessDenied, Permission
from domain.accounts.access import sees_staff
from domain.inventory.access import sees_movement, stock_records_scope
from domain.inventory.model import MovementKind
from schema.accounts.types import StaffUser
from schema.catalog.types import ProductVariant
from schema.context import Info
from schema.enums import graphql_enum
from schema.errors import ErrorCode, bad_input, coded_error
from schema.inventory.types import Location
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.permissions import require
from schema.relay import Node, decode_id, register_node

_Kinds = Enum("InventoryMovementKind", {k.name: k.value for k in MovementKind}, type=str)  # type: ignore[misc]
InventoryMovementKind = graphql_enum(
    _Kinds,
    "What changed a stock level.",
    {
        "RECEIVE": "A delivery was counted in.",
        "ADJUSTMENT": "A correction by hand: stock-take, damage, loss.",
        "RESERVATION": "Units promised to an order (reserved rises; on hand does not change).",
        "RELEASE": "An order no longer needs its units (cancelled or expired; reserved falls).",
        "SALE": "Reserved units left: shipped, picked up or carried out.",
        "TRANSFER_OUT": "Units sent to another location.",
        "TRANSFER_IN": "Units received from another location.",
        "RETURN": "Returned units came back on the shelf.",
    },
)


@strawberry.type(description="One change to a stock level, as the ledger recorded it (never changed afterwards).")
class InventoryMovement(Node):
    row: strawberry.Private[MovementModel]
    kind: InventoryMovementKind = strawberry.field(description="What changed the level.")  # type: ignore[valid-type]
    delta: int = strawberry.field(description="Change to `onHand` (a level's deltas sum to its `onHand`).")
    reserved_delta: int = strawberry.field(description="Change to `reserved`.")
    reason: str | None = strawberry.field(description="Why, as recorded.")
    reference: str | None = strawberry.field(description="The order number or transfer reference it belongs to.")
    created_at: datetime = strawberry.field(description="When.")

    @strawberry.field(description="What the stock is of.")
    async def variant(self, info: Info) -> ProductVariant:
        return ProductVariant.from_model(await info.context.loaders.variant_by_id.load(self.row.variant_id))

    @strawberry.field(description="Where the stock is.")
    async def location(self, info: Info) -> Location:
        return Location.from_model(await info.context.loaders.location_by_id.load(self.row.location_id))

    @strawberry.field(
        description="The staff user who made the change; null for changes by shoppers or the system, "
        "and for staff users you may not see."
    )
    async def staff(self, info: Info) -> StaffUser | None:
        staff_id = self.row.staff_id
        if staff_id is None or not sees_staff(info.context.principal, staff_id):
            return None
        row = await info.context.loaders.staff_by_id.load(staff_id)
        return StaffUser.from_model(row) if row is not None else None

    @classmethod
    def from_model(cls, m: MovementModel) -> InventoryMovement:
        return cls(
            pk=m.id,
            row=m,
            kind=_Kinds(m.kind.value),
            delta=m.on_hand_delta,
            reserved_delta=m.reserved_delta,
            reason=m.reason or None,
            reference=m.reference,
            created_at=m.created_at,
        )


@strawberry.input(description="Which movements to list.")
class InventoryMovementFilter:
    variant_id: strawberry.ID | None = strawberry.field(default=None, description="Only this variant's.")
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this location's (store staff: their own, which is also the default)."
    )


def _id(value: strawberry.ID | None, type_name: str, argument: str) -> int | None:
    if value is None:
        return None
    key = decode_id(value, type_name)
    if key is None:
        raise bad_input(f"`{argument}` is not a {type_name}'s ID.")
    return key


@strawberry.type
class InventoryMovementQuery:
    @strawberry.field(
        description="Staff and apps who manage stock: the stock ledger, newest first (store staff: their location's)."
    )
    async def inventory_movements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            InventoryMovementFilter | None, strawberry.argument(description="Only movements matching all of these.")
        ] = None,
    ) -> Connection[InventoryMovement]:
        principal = require(info, Permission.MANAGE_STOCK)
        f = filter or InventoryMovementFilter()
        variant_id = _id(f.variant_id, "ProductVariant", "variantId")
        try:
            location_id = stock_records_scope(principal, _id(f.location_id, "Location", "locationId"))
        except AccessDenied as e:
            raise coded_error(str(e), ErrorCode.FORBIDDEN) from None
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: im.movement_page(
                session, request, size, variant_id=variant_id, location_id=location_id
            ),
            lambda row: InventoryMovement.from_model(row[0]),
            lambda: count(session, im.movement_statement(variant_id, location_id)),
        )


async def _fetch_movements(info: Info, ids: list[int]) -> list[InventoryMovement | None]:
    found = await rows_by_ids(info.context.session, MovementModel, ids)
    principal = info.context.principal
    return [
        InventoryMovement.from_model(m) if (m := found.get(i)) and sees_movement(principal, m.location_id) else None
        for i in ids
    ]


register_node("InventoryMovement", _fetch_movements)
