"""Coupons as members and tills use them: `couponClaim`, `cartCouponApply` /
`cartCouponRemove`, and the till's write-off `couponRedeem`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.promotions import coupon_services
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.orders.cart_types import Cart, visible_cart
from schema.orders.ids import CartId, cart_token, order_token
from schema.permissions import require, require_member
from schema.promotions.coupon_types import Coupon, visible_coupon
from schema.promotions.inputs import Code, CouponRedeemInput
from schema.relay import decode_id


@strawberry.type(description="Result of `cartCouponApply`.")
class CartCouponApplyPayload:
    cart: Cart | None = strawberry.field(description="The cart with the coupon applied.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `cartCouponRemove`.")
class CartCouponRemovePayload:
    cart: Cart | None = strawberry.field(description="The cart without its coupon.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `couponClaim`.")
class CouponClaimPayload:
    coupon: Coupon | None = strawberry.field(description="The member's new coupon, with its own code.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `couponRedeem`.")
class CouponRedeemPayload:
    coupon: Coupon | None = strawberry.field(description="The coupon, now REDEEMED.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class CouponMutation:
    @strawberry.mutation(
        description="Claim a campaign's coupon (the code a QR code or an article carries): the "
        "signed-in member gets a personal coupon with its own code. COUPON_INVALID (unknown or "
        "withdrawn), COUPON_EXPIRED (the campaign ended), COUPON_LIMIT_REACHED (claimed as often as "
        "each member may), COUPON_EXHAUSTED (all given out)."
    )
    async def coupon_claim(self, info: Info, code: Code) -> CouponClaimPayload:
        member_id = require_member(info)
        claimed, errors = await run_mutation(
            info, lambda: coupon_services.claim(info.context.uow, member_id, code, now=info.context.uow.clock())
        )
        return CouponClaimPayload(coupon=await visible_coupon(info, claimed) if claimed else None, user_errors=errors)

    @strawberry.mutation(
        description="Apply a member's coupon to their cart (their own code, or a campaign code "
        "they have claimed). Refused with the reason when it cannot take anything off: "
        "COUPON_INVALID, COUPON_EXPIRED, COUPON_ALREADY_REDEEMED, COUPON_NOT_APPLICABLE. It is "
        "redeemed at checkout. A cart holds one coupon; applying another replaces it."
    )
    async def cart_coupon_apply(self, info: Info, cart_id: CartId, code: Code) -> CartCouponApplyPayload:
        ctx = info.context
        token, errors = await run_mutation(
            info,
            lambda: coupon_services.apply_coupon(
                ctx.uow, ctx.principal, cart_token(cart_id), code, now=ctx.uow.clock()
            ),
        )
        return CartCouponApplyPayload(cart=await visible_cart(info, token), user_errors=errors)

    @strawberry.mutation(description="Take the coupon off a cart.")
    async def cart_coupon_remove(self, info: Info, cart_id: CartId) -> CartCouponRemovePayload:
        ctx = info.context
        token, errors = await run_mutation(
            info, lambda: coupon_services.remove_coupon(ctx.uow, ctx.principal, cart_token(cart_id))
        )
        return CartCouponRemovePayload(cart=await visible_cart(info, token), user_errors=errors)

    @strawberry.mutation(
        description="Write a coupon off at a store's till (the discount was given there): once "
        "only, whichever way it is used first (COUPON_ALREADY_REDEEMED). Records the store and "
        "the cashier. Staff who sell in store. An order keeps the price it was placed at, so "
        "`orderId` (an order of that store) is refused with COUPON_NOT_APPLICABLE: put the coupon "
        "on the till cart before checkout instead."
    )
    async def coupon_redeem(
        self,
        info: Info,
        code: Code,
        input: Annotated[
            CouponRedeemInput | None, strawberry.argument(description="The order and store, when not the defaults.")
        ] = None,
    ) -> CouponRedeemPayload:
        principal = require(info, Permission.SELL_IN_STORE)
        given = input or CouponRedeemInput()
        store = decode_id(given.location_id, "Location") if given.location_id is not None else None
        if given.location_id is not None and store is None:
            store = 0  # malformed: no store has it, so NOT_FOUND with the other checks
        redeemed, errors = await run_mutation(
            info,
            lambda: coupon_services.redeem_at_till(
                info.context.uow,
                principal,
                code,
                order_token=order_token(given.order_id) if given.order_id else None,
                order_given=given.order_id is not None,
                location_id=store,
                now=info.context.uow.clock(),
            ),
        )
        return CouponRedeemPayload(
            coupon=await visible_coupon(info, redeemed) if redeemed else None, user_errors=errors
        )
