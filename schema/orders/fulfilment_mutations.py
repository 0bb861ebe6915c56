"""Fulfilment and returns (staff): `fulfillmentShip`, `orderShip`, `orderDeliver`, `orderReadyForPickup`,
`orderPickup`, `orderReturn`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.orders import fulfilment_services, returns, services
from schema.context import Info
from schema.errors import ErrorCode, UserError, coded_error, run_mutation, user_errors_field
from schema.orders.ids import OrderId, order_token
from schema.orders.inputs import FulfillmentShipInput, OrderReturnInput, OrderShipInput
from schema.orders.mutations import change_order, policy
from schema.orders.types import Fulfillment, Order, visible_fulfilment
from schema.permissions import require
from schema.relay import decode_id, key_of


@strawberry.type(description="Result of `fulfillmentShip`.")
class FulfillmentShipPayload:
    fulfillment: Fulfillment | None = strawberry.field(description="The shipped fulfilment.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `orderShip`.")
class OrderShipPayload:
    order: Order | None = strawberry.field(description="The shipped order.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `orderDeliver`.")
class OrderDeliverPayload:
    order: Order | None = strawberry.field(description="The completed order.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `orderReadyForPickup`.")
class OrderReadyForPickupPayload:
    order: Order | None = strawberry.field(description="The order, waiting at its pickup store.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `orderPickup`.")
class OrderPickupPayload:
    order: Order | None = strawberry.field(description="The completed order.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `orderReturn`.")
class OrderReturnPayload:
    order: Order | None = strawberry.field(description="The order, (partially) returned.")
    user_errors: list[UserError] = user_errors_field()


def _staff_with(info: Info, *permissions: Permission) -> None:
    """One of `permissions`; which store is checked against the order."""
    principal = info.context.principal
    if not any(principal.can(p) for p in permissions):
        require(info, permissions[0])
        raise coded_error("You do not have permission to do this.", ErrorCode.FORBIDDEN)


def _store_staff(info: Info) -> None:
    """Fulfilment staff or a till."""
    _staff_with(info, Permission.FULFIL_ORDERS, Permission.SELL_IN_STORE)


@strawberry.type
class FulfilmentMutation:
    @strawberry.mutation(
        description="Fulfilment staff of its location (or head office) hand one location's share of "
        "a paid DELIVERY or ENDLESS_AISLE order to the carrier, with its own tracking number: its "
        "units leave the location. The order is SHIPPED once every fulfilment is."
    )
    async def fulfillment_ship(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The fulfilment.")],
        input: Annotated[FulfillmentShipInput, strawberry.argument(description="Shipping details.")],
    ) -> FulfillmentShipPayload:
        require(info, Permission.FULFIL_ORDERS)
        ctx = info.context
        shipped, errors = await run_mutation(
            info,
            lambda: fulfilment_services.ship_fulfilment(
                ctx.uow, ctx.principal, key_of(id, "Fulfillment"), tracking_number=input.tracking_number
            ),
        )
        found = await ctx.loaders.fulfilment_by_id.load(shipped) if shipped is not None else None
        return FulfillmentShipPayload(fulfillment=visible_fulfilment(info, found), user_errors=errors)

    @strawberry.mutation(
        description="Fulfilment staff hand a paid DELIVERY or ENDLESS_AISLE order to the carrier, as "
        "far as they send it: every pending fulfilment of their location (head office: all of them). "
        "Its units leave their locations; the order is SHIPPED once every fulfilment is."
    )
    async def order_ship(
        self,
        info: Info,
        id: OrderId,
        input: Annotated[OrderShipInput, strawberry.argument(description="Shipping details.")],
    ) -> OrderShipPayload:
        require(info, Permission.FULFIL_ORDERS)
        ctx = info.context
        order, errors = await change_order(
            info,
            lambda: fulfilment_services.ship_order(
                ctx.uow, ctx.principal, order_token(id), tracking_number=input.tracking_number
            ),
        )
        return OrderShipPayload(order=order, user_errors=errors)

    @strawberry.mutation(
        description="Fulfilment staff record that the carrier delivered a shipped order's fulfilments "
        "of their location (head office: all of them); once every one is delivered the order "
        "completes and the member earns points."
    )
    async def order_deliver(self, info: Info, id: OrderId) -> OrderDeliverPayload:
        require(info, Permission.FULFIL_ORDERS)
        ctx = info.context
        order, errors = await change_order(
            info,
            lambda: fulfilment_services.deliver_order(ctx.uow, ctx.principal, order_token(id), policy=policy(info)),
        )
        return OrderDeliverPayload(order=order, user_errors=errors)

    @strawberry.mutation(description="Staff of the pickup store mark a paid PICKUP order as packed and waiting.")
    async def order_ready_for_pickup(self, info: Info, id: OrderId) -> OrderReadyForPickupPayload:
        _store_staff(info)
        ctx = info.context
        order, errors = await change_order(
            info, lambda: services.ready_for_pickup(ctx.uow, ctx.principal, order_token(id))
        )
        return OrderReadyForPickupPayload(order=order, user_errors=errors)

    @strawberry.mutation(
        description="Staff of the pickup store hand the order over against its pickup code: "
        "the units leave the shelf, the order completes and the member earns points. A wrong "
        "code is PICKUP_CODE_INVALID; after 5 wrong codes the order is refused."
    )
    async def order_pickup(
        self,
        info: Info,
        id: OrderId,
        pickup_code: Annotated[str, strawberry.argument(description="The code the customer shows.")],
    ) -> OrderPickupPayload:
        _store_staff(info)
        ctx = info.context
        order, errors = await change_order(
            info, lambda: services.pick_up(ctx.uow, ctx.principal, order_token(id), pickup_code, policy=policy(info))
        )
        return OrderPickupPayload(order=order, user_errors=errors)

    @strawberry.mutation(
        description="Customer service, or the till of the store that sold it, take back goods "
        "of a completed order: the units go back on the shelf (where they were sold from, or at "
        "`locationId`), their price is refunded and the points earned on them clawed back."
    )
    async def order_return(
        self,
        info: Info,
        id: OrderId,
        input: Annotated[OrderReturnInput, strawberry.argument(description="The lines and quantities coming back.")],
    ) -> OrderReturnPayload:
        _staff_with(info, Permission.MANAGE_ORDERS, Permission.SELL_IN_STORE)
        ctx = info.context
        requests = [returns.ReturnRequest(decode_id(ln.order_line_id, "OrderLine"), ln.quantity) for ln in input.lines]
        location = decode_id(input.location_id, "Location") if input.location_id is not None else None
        order, errors = await change_order(
            info,
            lambda: returns.return_goods(
                ctx.uow,
                ctx.principal,
                order_token(id),
                requests,
                location_id=location,
                location_given=input.location_id is not None,
                payments=ctx.services.payments,
            ),
        )
        return OrderReturnPayload(order=order, user_errors=errors)
