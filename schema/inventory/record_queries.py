"""The stock records lists: `inventoryMovements` (the ledger) and `stockTransfers`, newest first, for
staff and apps who manage stock; a store's staff read their own location's (its default, and
another location is FORBIDDEN: domain/inventory/access.py)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import inventory_movements as im
from db import transfers as tq
from db.pagination import count
from domain.access.model import AccessDenied, Permission
from domain.inventory import model as domain
from domain.inventory.access import stock_records_scope
from schema.context import Info
from schema.errors import refused
from schema.inventory.inputs import InventoryMovementFilter, StockTransferFilter
from schema.inventory.record_types import InventoryMovement, StockTransfer
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.permissions import require
from schema.relay import filter_key


def _scope(info: Info, location_id: strawberry.ID | None) -> int | None:
    """The location the caller's read is limited to (None: every location)."""
    principal = require(info, Permission.MANAGE_STOCK)
    requested = filter_key(location_id, "Location", "locationId", "a Location")
    try:
        return stock_records_scope(principal, requested)
    except AccessDenied as e:
        raise refused(e) from None


@strawberry.type
class StockRecordQuery:
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
        f = filter or InventoryMovementFilter()
        location_id = _scope(info, f.location_id)
        variant_id = filter_key(f.variant_id, "ProductVariant", "variantId", "a ProductVariant")
        statement = im.movement_statement(variant_id, location_id)
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: im.movement_page(session, request, size, statement),
            lambda row: InventoryMovement.from_model(row[0]),
            lambda: count(session, statement),
        )

    @strawberry.field(
        description="Staff and apps who manage stock: transfers, newest first (store staff: their location's)."
    )
    async def stock_transfers(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            StockTransferFilter | None, strawberry.argument(description="Only transfers matching all of these.")
        ] = None,
    ) -> Connection[StockTransfer]:
        f = filter or StockTransferFilter()
        location_id = _scope(info, f.location_id)
        statement = tq.transfer_statement(location_id, domain.TransferStatus(f.status.value) if f.status else None)
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: tq.transfer_page(session, request, size, statement),
            lambda row: StockTransfer.from_model(row[0]),
            lambda: count(session, statement),
        )
