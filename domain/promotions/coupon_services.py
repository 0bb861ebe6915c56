"""Coupon use cases: claim a campaign's coupon, apply one to a cart, take it off, and write one off
at a store's till.

Online, a coupon is applied to the cart (`cartCouponApply`, checked and explained at once) and
redeemed by `checkoutComplete` in the order's transaction. Offline, the till scans the member's
code and redeems it on the spot (`couponRedeem`), recording the store and the cashier. Both
redeem with the same conditional UPDATE, so a coupon is used once, whichever way comes first.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Protocol

from domain.access.model import Permission, Principal
from domain.errors import Code, DomainError, input_field
from domain.orders.cart_pricing import PricingSource, price_cart_lines
from domain.orders.carts import CartUnitOfWork, open_cart
from domain.promotions.coupons import CouponInfo, TemplateInfo, check_held, check_usable
from domain.promotions.issuing import CouponIssuing, issue_one
from domain.promotions.model import normalize_code


class CouponRepository(PricingSource, Protocol):
    async def campaign(self, code: str) -> TemplateInfo | None: ...
    async def member_coupon_of_campaign(self, member_id: int, template_id: int, now: datetime) -> CouponInfo | None:
        """The member's oldest usable coupon of the campaign, else their latest (used or expired) one."""
        ...

    async def redeem(
        self, coupon_id: int, now: datetime, *, order_id: int | None, location_id: int | None, staff_id: int | None
    ) -> bool: ...


class TillCouponRepository(CouponRepository, Protocol):
    async def store_exists(self, location_id: int) -> bool:
        """An active store (not a warehouse)."""
        ...

    async def order_store(self, order_token: str) -> tuple[int | None, int | None] | None:
        """(the order's member, the store it belongs to), when the order exists."""
        ...


class CouponUnitOfWork(CartUnitOfWork, Protocol):
    @property
    def promotions(self) -> CouponRepository: ...


class ClaimUnitOfWork(Protocol):
    @property
    def promotions(self) -> CouponRepository: ...
    @property
    def coupon_issuing(self) -> CouponIssuing: ...


class TillCouponUnitOfWork(Protocol):
    @property
    def promotions(self) -> TillCouponRepository: ...


async def claim(uow: ClaimUnitOfWork, member_id: int, code: str, *, now: datetime) -> str:
    """The member claims a campaign (the code a QR code carries): a personal coupon with its own code,
    within the campaign's quantity and the per-member limit. Returns the new coupon's code."""
    campaign = await uow.promotions.campaign(normalize_code(code)) if code.strip() else None
    if campaign is None:
        raise DomainError(Code.COUPON_INVALID, "No such campaign code.", ["code"])
    try:
        coupon = await issue_one(uow.coupon_issuing, campaign.id, member_id, now=now, field=["code"])
    except DomainError as e:
        if e.code is Code.COUPON_LIMIT_REACHED:  # the member has theirs: say so if it was used or ran out
            held = await uow.promotions.member_coupon_of_campaign(member_id, campaign.id, now)
            if held is not None:
                check_held(held, normalize_code(code), now, ["code"])
        raise
    return coupon.code


async def _members_coupon(uow: CouponUnitOfWork, member_id: int, code: str, now: datetime) -> str:
    """The code of the member's coupon that `code` names: a personal code, or a campaign code the
    member has claimed (their oldest usable coupon of it)."""
    found = await uow.promotions.coupon(code)
    if found is not None:
        if found[0].member_id != member_id:
            raise DomainError(Code.COUPON_INVALID, "No such coupon for this member.", ["code"])
        return code
    campaign = await uow.promotions.campaign(code)
    if campaign is None:
        raise DomainError(Code.COUPON_INVALID, "No such coupon.", ["code"])
    coupon = await uow.promotions.member_coupon_of_campaign(member_id, campaign.id, now)
    if coupon is None:
        raise DomainError(Code.COUPON_INVALID, "Claim this campaign's coupon first (couponClaim).", ["code"])
    check_held(coupon, code, now, ["code"])
    return coupon.code


async def apply_coupon(
    uow: CouponUnitOfWork, principal: Principal, token: str | None, code: str, *, now: datetime
) -> str:
    """Put the member's coupon on the cart, refusing (with the reason) one that cannot take anything
    off it now. A cart holds one coupon; applying another replaces it."""
    cart = await open_cart(uow, principal, token)
    code = normalize_code(code)
    if not code:
        raise DomainError(Code.REQUIRED, "Give the coupon code.", ["code"])
    if cart.member_id is None:
        raise DomainError(
            Code.COUPON_INVALID,
            "Coupons belong to members: sign in (at a till, identify the member) to use one.",
            ["code"],
        )
    candidate = dataclasses.replace(cart, coupon_code=await _members_coupon(uow, cart.member_id, code, now))
    lines = await uow.carts.lines(cart.id)
    channel = await uow.carts.channel_by_id(cart.channel_id)
    prices = await uow.carts.prices(channel.id, [ln.variant_id for ln in lines]) if lines else {}
    pricing = await price_cart_lines(uow.promotions, candidate, lines, prices, channel, candidate.method, now=now)
    error = pricing.coupon_error
    if error is not None and (error.code is not Code.COUPON_NOT_APPLICABLE or prices):
        raise DomainError(error.code, error.message, ["code"])  # an empty cart takes any usable coupon
    await uow.carts.set_coupon(cart.id, candidate.coupon_code)
    return cart.token


async def remove_coupon(uow: CouponUnitOfWork, principal: Principal, token: str | None) -> str:
    cart = await open_cart(uow, principal, token)
    await uow.carts.set_coupon(cart.id, None)
    return cart.token


async def redeem_at_till(
    uow: TillCouponUnitOfWork,
    principal: Principal,
    code: str,
    *,
    order_token: str | None,
    order_given: bool,
    location_id: int | None,
    now: datetime,
) -> str:
    """Write a coupon off at a store's till (the discount was given at the till): once only, at the
    cashier's store (or `location_id`, for staff who work everywhere).

    An order keeps the price it was placed at, so a coupon is never written off against one (that
    would consume it without its discount): an order of the store is refused with
    COUPON_NOT_APPLICABLE (the coupon belongs on the till cart before checkout, which redeems it
    with the order); another store's order is NOT_FOUND."""
    store = location_id if location_id is not None else principal.location_id
    if store is None:
        raise DomainError(Code.REQUIRED, "Say at which store the coupon is redeemed.", input_field("locationId"))
    if not principal.can_at(Permission.SELL_IN_STORE, store) or not await uow.promotions.store_exists(store):
        raise DomainError(Code.NOT_FOUND, "No such store of yours.", input_field("locationId"))
    found = await uow.promotions.coupon(normalize_code(code))
    if found is None:
        raise DomainError(Code.COUPON_INVALID, "No such coupon.", ["code"])
    coupon, template = found
    if order_given:
        order = await uow.promotions.order_store(order_token) if order_token else None
        if order is None or order[1] != store:
            raise DomainError(Code.NOT_FOUND, "No such order at this store.", input_field("orderId"))
        if order[0] is not None and order[0] != coupon.member_id:
            raise DomainError(Code.COUPON_INVALID, "This coupon belongs to another member.", ["code"])
    check_usable(coupon, template, now, at_till=True, field=["code"])
    if order_given:
        raise DomainError(
            Code.COUPON_NOT_APPLICABLE,
            "An order keeps the price it was placed at: put the coupon on "
            "the till cart (cartCouponApply) before checkout, which redeems it with the order.",
            input_field("orderId"),
        )
    if not await uow.promotions.redeem(coupon.id, now, order_id=None, location_id=store, staff_id=principal.staff_id):
        raise DomainError(Code.COUPON_ALREADY_REDEEMED, "This coupon has already been used.", ["code"])
    return coupon.code
