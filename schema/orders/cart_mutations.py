"""Cart mutations: open a cart, change its lines, choose fulfilment, apply points.

Anyone may open a cart (in a POS channel only staff at its stores): a signed-in member gets their
own, staff selling in store a till's, and everyone else a guest cart reached by its (unguessable)
id. A cart the caller cannot use is NOT_FOUND, so other people's cart ids reveal nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from domain.orders import carts
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.orders.cart_types import Cart, visible_cart
from schema.orders.enums import method_of
from schema.orders.ids import CartId, cart_token
from schema.orders.inputs import CartCreateInput, CartFulfillmentInput, CartLineInput, CartLineUpdateInput
from schema.relay import decode_id


@strawberry.type(description="Result of `cartCreate`.")
class CartCreatePayload:
    cart: Cart | None = strawberry.field(description="The new cart.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `cartLinesAdd`.")
class CartLinesAddPayload:
    cart: Cart | None = strawberry.field(description="The cart after the change.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `cartLinesUpdate`.")
class CartLinesUpdatePayload:
    cart: Cart | None = strawberry.field(description="The cart after the change.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `cartLinesRemove`.")
class CartLinesRemovePayload:
    cart: Cart | None = strawberry.field(description="The cart after the change.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `cartFulfillmentSet`.")
class CartFulfillmentSetPayload:
    cart: Cart | None = strawberry.field(description="The cart after the change.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `cartPointsApply`.")
class CartPointsApplyPayload:
    cart: Cart | None = strawberry.field(description="The cart after the change.")
    user_errors: list[UserError] = user_errors_field()


async def _change(info: Info, work: Callable[[], Awaitable[str]]) -> tuple[Cart | None, list[UserError]]:
    token, errors = await run_mutation(info, work)
    return await visible_cart(info, token), errors


@strawberry.type
class CartMutation:
    @strawberry.mutation(
        description="Open a cart in a channel: the signed-in member's, a till's (staff selling "
        "in store; optionally for a recognised member), or a guest's. A POS channel's carts are "
        "opened only by staff at one of its stores (CHANNEL_NOT_ALLOWED otherwise)."
    )
    async def cart_create(
        self,
        info: Info,
        input: Annotated[CartCreateInput, strawberry.argument(description="The channel and the first lines.")],
    ) -> CartCreatePayload:
        ctx = info.context
        lines = [ln.to_request() for ln in input.lines or []]
        member = decode_id(input.member_id, "Member") if input.member_id is not None else None
        cart, errors = await _change(
            info,
            lambda: carts.create_cart(
                ctx.uow,
                ctx.principal,
                channel_slug=input.channel,
                lines=lines,
                member_id=member,
                member_given=input.member_id is not None,
            ),
        )
        return CartCreatePayload(cart=cart, user_errors=errors)

    @strawberry.mutation(
        description="Add lines to a cart; a variant already in it gets the quantity added (at most 999 units per line)."
    )
    async def cart_lines_add(
        self,
        info: Info,
        cart_id: CartId,
        lines: Annotated[list[CartLineInput], (strawberry.argument(description="The variants and quantities to add."))],
    ) -> CartLinesAddPayload:
        ctx = info.context
        cart, errors = await _change(
            info,
            lambda: carts.add_lines(ctx.uow, ctx.principal, cart_token(cart_id), [ln.to_request() for ln in lines]),
        )
        return CartLinesAddPayload(cart=cart, user_errors=errors)

    @strawberry.mutation(description="Change the quantities of lines in a cart.")
    async def cart_lines_update(
        self,
        info: Info,
        cart_id: CartId,
        lines: Annotated[
            list[CartLineUpdateInput], (strawberry.argument(description="The lines and their new quantities."))
        ],
    ) -> CartLinesUpdatePayload:
        ctx = info.context
        cart, errors = await _change(
            info,
            lambda: carts.update_lines(ctx.uow, ctx.principal, cart_token(cart_id), [ln.to_change() for ln in lines]),
        )
        return CartLinesUpdatePayload(cart=cart, user_errors=errors)

    @strawberry.mutation(description="Remove lines from a cart.")
    async def cart_lines_remove(
        self,
        info: Info,
        cart_id: CartId,
        line_ids: Annotated[list[strawberry.ID], (strawberry.argument(description="The lines to remove."))],
    ) -> CartLinesRemovePayload:
        ctx = info.context
        ids = [decode_id(i, "CartLine") for i in line_ids]
        cart, errors = await _change(info, lambda: carts.remove_lines(ctx.uow, ctx.principal, cart_token(cart_id), ids))
        return CartLinesRemovePayload(cart=cart, user_errors=errors)

    @strawberry.mutation(
        description="Choose how the cart's order is fulfilled: DELIVERY to an address, PICKUP at "
        "a pickup store (PICKUP_LOCATION_REQUIRED without one), or at a till IN_STORE or "
        "ENDLESS_AISLE (shipped from a warehouse to an address)."
    )
    async def cart_fulfillment_set(
        self,
        info: Info,
        cart_id: CartId,
        input: Annotated[CartFulfillmentInput, strawberry.argument(description="The method and its details.")],
    ) -> CartFulfillmentSetPayload:
        ctx = info.context
        store = decode_id(input.pickup_location_id, "Location") if input.pickup_location_id is not None else None
        cart, errors = await _change(
            info,
            lambda: carts.set_fulfilment(
                ctx.uow,
                ctx.principal,
                cart_token(cart_id),
                method=method_of(input.method),
                pickup_location_id=store,
                pickup_given=input.pickup_location_id is not None,
                address=input.address.to_data() if input.address else None,
                phone_region=ctx.services.phone_region,
            ),
        )
        return CartFulfillmentSetPayload(cart=cart, user_errors=errors)

    @strawberry.mutation(
        description="Pay part of a member's cart with their points (0 removes them). At most "
        "the balance (INSUFFICIENT_POINTS) and at most half of what is due apply; checked again "
        "at checkout."
    )
    async def cart_points_apply(
        self,
        info: Info,
        cart_id: CartId,
        points: Annotated[int, strawberry.argument(description="How many points to use.")],
    ) -> CartPointsApplyPayload:
        ctx = info.context
        cart, errors = await _change(
            info, lambda: carts.apply_points(ctx.uow, ctx.principal, cart_token(cart_id), points)
        )
        return CartPointsApplyPayload(cart=cart, user_errors=errors)
