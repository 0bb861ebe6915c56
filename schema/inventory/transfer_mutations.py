"""Transfers that travel (domain/inventory/transfers.py): `stockTransferSend` puts units in transit,
`stockTransferReceive` counts them in at the other end."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from db.models import StockTransfer as TransferModel
from domain.access.model import Permission
from domain.inventory import transfers as services
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.inventory.inputs import StockTransferInput, StockTransferReceiveInput
from schema.inventory.record_types import StockTransfer
from schema.inventory.types import StockLevel
from schema.permissions import require
from schema.relay import decode_id


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
    transfer_id, errors = await run_mutation(info, work)
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
