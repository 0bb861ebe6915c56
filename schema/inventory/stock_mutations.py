"""Stock mutations for staff: count stock in or out, transfer between locations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.inventory import services
from domain.inventory.access import manages_stock_at
from domain.inventory.model import MovementKind
from schema.context import Info
from schema.errors import ErrorCode, UserError, coded_error, run_mutation, user_errors_field
from schema.inventory.inputs import StockAdjustInput, StockTransferInput
from schema.inventory.types import StockLevel
from schema.permissions import require
from schema.relay import decode_id


@strawberry.type(description="Result of `stockAdjust`.")
class StockAdjustPayload:
    stock_level: StockLevel | None = strawberry.field(description="The stock level after the change.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `stockTransfer`.")
class StockTransferPayload:
    from_: StockLevel | None = strawberry.field(name="from", description="The sending location's stock level.")
    to: StockLevel | None = strawberry.field(description="The receiving location's stock level.")
    user_errors: list[UserError] = user_errors_field()


def _require_stock_rights(info: Info, location_id: int | None) -> int | None:
    """MANAGE_STOCK, and a store's own staff only at that store."""
    principal = require(info, Permission.MANAGE_STOCK)
    if location_id is not None and not manages_stock_at(principal, location_id):
        raise coded_error("You can change stock only at your own store.", ErrorCode.FORBIDDEN)
    return principal.staff_id


async def _level(info: Info, variant_id: int | None, location_id: int | None) -> StockLevel | None:
    if variant_id is None or location_id is None:
        return None
    row = await info.context.loaders.stock_level.load((variant_id, location_id))
    return StockLevel.from_model(row) if row else None


@strawberry.type
class StockMutation:
    @strawberry.mutation(
        description="Count stock in or out at a location (a delivery, a stock-take correction). "
        "Units reserved for orders cannot be counted out: INSUFFICIENT_STOCK."
    )
    async def stock_adjust(
        self,
        info: Info,
        input: Annotated[StockAdjustInput, strawberry.argument(description="What changes, where and why.")],
    ) -> StockAdjustPayload:
        variant_id = decode_id(input.variant_id, "ProductVariant")
        location_id = decode_id(input.location_id, "Location")
        staff_id = _require_stock_rights(info, location_id)
        kind = MovementKind(input.kind.value) if input.kind else MovementKind.ADJUSTMENT
        _, errors = await run_mutation(
            info,
            lambda: services.adjust_stock(
                info.context.uow,
                variant_id=variant_id,
                location_id=location_id,
                delta=input.delta,
                reason=input.reason,
                staff_id=staff_id,
                kind=kind,
            ),
        )
        return StockAdjustPayload(
            stock_level=None if errors else await _level(info, variant_id, location_id), user_errors=errors
        )

    @strawberry.mutation(
        description="Move available units between two locations; both sides change together or not at all."
    )
    async def stock_transfer(
        self,
        info: Info,
        input: Annotated[StockTransferInput, strawberry.argument(description="What moves, from where, to where.")],
    ) -> StockTransferPayload:
        variant_id = decode_id(input.variant_id, "ProductVariant")
        source = decode_id(input.from_location_id, "Location")
        target = decode_id(input.to_location_id, "Location")
        staff_id = _require_stock_rights(info, source)
        _, errors = await run_mutation(
            info,
            lambda: services.transfer_stock(
                info.context.uow,
                variant_id=variant_id,
                from_location_id=source,
                to_location_id=target,
                quantity=input.quantity,
                staff_id=staff_id,
            ),
        )
        if errors:
            return StockTransferPayload(from_=None, to=None, user_errors=errors)
        return StockTransferPayload(
            from_=await _level(info, variant_id, source), to=await _level(info, variant_id, target), user_errors=[]
        )
