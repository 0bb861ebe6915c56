"""Stock transfers that travel (domain/inventory/transfers.py): `stockTransferSend` puts units in
transit, `stockTransferReceive` counts them in at the other end, `stockTransfers` lists a
location's transfers in and out for its staff."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry

from db import transfers as tq
from db.catalog_queries import rows_by_ids
from db.models import StockTransfer as TransferModel
from db.pagination import count
from domain.access.model import AccessDenied, Permission
from domain.accounts.access import sees_staff
from domain.inventory import model as domain
from domain.inventory import transfers as services
from domain.inventory.access import sees_transfer, stock_records_scope
from schema.accounts.types import StaffUser
from schema.catalog.types import ProductVariant
from schema.context import Info
from schema.enums import graphql_enum
from schema.errors import ErrorCode, UserError, bad_input, coded_error, run_mutation, user_errors_field
from schema.inventory.inputs import StockTransferInput
from schema.inventory.types import Location, StockLevel
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.permissions import require
from schema.relay import Node, decode_id, register_node

StockTransferStatus = graphql_enum(
    domain.TransferStatus,
    "Where a transfer is.",
    {
        "IN_TRANSIT": "Sent: gone from the sender's stock, not yet counted in by the receiver.",
        "RECEIVED": "Counted in at the receiving location.",
    },
)


async def _staff(info: Info, staff_id: int | None) -> StaffUser | None:
    if staff_id is None or not sees_staff(info.context.principal, staff_id):
        return None
    row = await info.context.loaders.staff_by_id.load(staff_id)
    return StaffUser.from_model(row) if row is not None else None


@strawberry.type(description="Units sent from one location to another, in transit until the receiver counts them in.")
class StockTransfer(Node):
    row: strawberry.Private[TransferModel]
    reference: str = strawberry.field(description="The reference both ledger movements of the transfer carry.")
    quantity: int = strawberry.field(description="Units sent.")
    received_quantity: int | None = strawberry.field(
        description="Units counted in by the receiver (fewer than sent when some were lost); null in transit."
    )
    status: StockTransferStatus = strawberry.field(description="Where the transfer is.")  # type: ignore[valid-type]
    sent_at: datetime = strawberry.field(description="When it was sent.")
    received_at: datetime | None = strawberry.field(description="When it was counted in.")

    @strawberry.field(description="What was sent.")
    async def variant(self, info: Info) -> ProductVariant:
        return ProductVariant.from_model(await info.context.loaders.variant_by_id.load(self.row.variant_id))

    @strawberry.field(description="The sending location.")
    async def from_location(self, info: Info) -> Location:
        return Location.from_model(await info.context.loaders.location_by_id.load(self.row.from_location_id))

    @strawberry.field(description="The receiving location.")
    async def to_location(self, info: Info) -> Location:
        return Location.from_model(await info.context.loaders.location_by_id.load(self.row.to_location_id))

    @strawberry.field(description="Who sent it (null for staff users you may not see).")
    async def sent_by(self, info: Info) -> StaffUser | None:
        return await _staff(info, self.row.sent_by_staff_id)

    @strawberry.field(description="Who counted it in (null in transit, or for staff users you may not see).")
    async def received_by(self, info: Info) -> StaffUser | None:
        return await _staff(info, self.row.received_by_staff_id)

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


@strawberry.input(description="The count of a transfer as it arrived.")
class StockTransferReceiveInput:
    quantity: int = strawberry.field(description="Units counted in: at most those sent (fewer when some were lost).")


@strawberry.input(description="Which transfers to list.")
class StockTransferFilter:
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only those sent from or to this location (store staff: their own, the default)."
    )
    status: StockTransferStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only those in this status."
    )


@strawberry.type(description="Result of `stockTransferSend`.")
class StockTransferSendPayload:
    transfer: StockTransfer | None = strawberry.field(description="The transfer, in transit.")
    from_: StockLevel | None = strawberry.field(name="from", description="The sending location's stock level.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `stockTransferReceive`.")
class StockTransferReceivePayload:
    transfer: StockTransfer | None = strawberry.field(description="The transfer, received.")
    to: StockLevel | None = strawberry.field(description="The receiving location's stock level.")
    user_errors: list[UserError] = user_errors_field()


async def _run(info: Info, work: Callable[[], Awaitable[int]]) -> tuple[TransferModel | None, list[UserError]]:
    """Run a transfer use case in one transaction: the transfer afterwards, and the userErrors."""
    require(info, Permission.MANAGE_STOCK)
    try:
        transfer_id, errors = await run_mutation(info, work)
    except AccessDenied as e:
        raise coded_error(str(e), ErrorCode.FORBIDDEN) from None
    row = await info.context.session.get(TransferModel, transfer_id) if transfer_id is not None else None
    return row, errors


async def _level(info: Info, variant_id: int, location_id: int) -> StockLevel | None:
    row = await info.context.loaders.stock_level.load((variant_id, location_id))
    return StockLevel.from_model(row) if row else None


@strawberry.type
class StockTransferMutation:
    @strawberry.mutation(
        description="Send units to another location: they leave the sender's stock now and join the "
        "receiver's when it counts them in (`stockTransferReceive`). The sender's staff send."
    )
    async def stock_transfer_send(
        self,
        info: Info,
        input: Annotated[StockTransferInput, strawberry.argument(description="What is sent, from where, to where.")],
    ) -> StockTransferSendPayload:
        row, errors = await _run(
            info,
            lambda: services.send_transfer(
                info.context.uow,
                info.context.principal,
                variant_id=decode_id(input.variant_id, "ProductVariant"),
                from_location_id=decode_id(input.from_location_id, "Location"),
                to_location_id=decode_id(input.to_location_id, "Location"),
                quantity=input.quantity,
            ),
        )
        if row is None:
            return StockTransferSendPayload(transfer=None, from_=None, user_errors=errors)
        level = await _level(info, row.variant_id, row.from_location_id)
        return StockTransferSendPayload(transfer=StockTransfer.from_model(row), from_=level, user_errors=[])

    @strawberry.mutation(
        description="Count a transfer in at the receiving location (its staff, once): the units counted "
        "join its stock; any not counted stay on the transfer as lost in transit."
    )
    async def stock_transfer_receive(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The transfer.")],
        input: Annotated[StockTransferReceiveInput, strawberry.argument(description="The count.")],
    ) -> StockTransferReceivePayload:
        row, errors = await _run(
            info,
            lambda: services.receive_transfer(
                info.context.uow, info.context.principal, decode_id(id, "StockTransfer"), input.quantity
            ),
        )
        if row is None:
            return StockTransferReceivePayload(transfer=None, to=None, user_errors=errors)
        level = await _level(info, row.variant_id, row.to_location_id)
        return StockTransferReceivePayload(transfer=StockTransfer.from_model(row), to=level, user_errors=[])


@strawberry.type
class StockTransferQuery:
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
        principal = require(info, Permission.MANAGE_STOCK)
        f = filter or StockTransferFilter()
        requested = decode_id(f.location_id, "Location") if f.location_id is not None else None
        if f.location_id is not None and requested is None:
            raise bad_input("`locationId` is not a location's ID.")
        try:
            location_id = stock_records_scope(principal, requested)
        except AccessDenied as e:
            raise coded_error(str(e), ErrorCode.FORBIDDEN) from None
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


async def _fetch_transfers(info: Info, ids: list[int]) -> list[StockTransfer | None]:
    found = await rows_by_ids(info.context.session, TransferModel, ids)
    principal = info.context.principal
    return [
        StockTransfer.from_model(t)
        if (t := found.get(i)) and sees_transfer(principal, t.from_location_id, t.to_location_id)
        else None
        for i in ids
    ]


register_node("StockTransfer", _fetch_transfers)
