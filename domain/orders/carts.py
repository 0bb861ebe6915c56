"""Cart use cases: open a cart, change its lines, choose fulfilment, pay part with points.

Each use case takes the caller (`Principal`) and the cart's token, and first locks the cart, so
concurrent changes of one cart take turns. A cart the caller may not use does not exist for
them (NOT_FOUND); a checked-out cart cannot change.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.access.model import Permission, Principal
from domain.errors import Code, DomainError, input_field, raise_all
from domain.inventory.model import FulfilmentMethod
from domain.members.model import AddressData, validate_address
from domain.orders.cart_rules import (
    MAX_POINTS,
    CartLineState,
    CartState,
    ChannelInfo,
    LocationInfo,
    can_use_cart,
    check_can_change,
    check_cart_channel,
    check_line_count,
    check_open,
    check_pickup_store,
    check_quantity,
    check_till_method,
)


@dataclass(frozen=True, slots=True)
class NewCart:
    token: str
    channel_id: int
    member_id: int | None
    location_id: int | None
    staff_id: int | None


@dataclass(frozen=True, slots=True)
class LineRequest:
    """A line as the client asked for it; `variant_id` is None when the id was malformed."""

    variant_id: int | None
    quantity: int


@dataclass(frozen=True, slots=True)
class LineChange:
    line_id: int | None
    quantity: int


class CartRepository(Protocol):
    async def channel(self, slug: str | None) -> ChannelInfo | None:
        """The channel with `slug`, or the default channel for None."""
        ...

    async def channel_by_id(self, channel_id: int) -> ChannelInfo: ...
    async def member_exists(self, member_id: int) -> bool: ...
    async def create(self, cart: NewCart) -> int: ...
    async def cart(self, token: str, *, lock: bool = False) -> CartState | None: ...
    async def lines(self, cart_id: int) -> list[CartLineState]: ...
    async def sellable_variants(self, channel_id: int, variant_ids: Sequence[int]) -> set[int]:
        """Which of the variants are priced in the channel and belong to a product published there."""
        ...

    async def prices(self, channel_id: int, variant_ids: Sequence[int]) -> dict[int, Decimal]:
        """The channel's current price of each variant it sells (the others are absent)."""
        ...

    async def save_lines(self, cart_id: int, quantities: dict[int, int]) -> None:
        """Set the quantity of each variant's line (adding lines that are missing)."""
        ...

    async def remove_lines(self, cart_id: int, line_ids: Sequence[int]) -> None: ...
    async def set_fulfilment(
        self, cart_id: int, method: FulfilmentMethod, pickup_location_id: int | None, address: dict[str, object] | None
    ) -> None: ...
    async def set_points(self, cart_id: int, points: int) -> None: ...
    async def set_coupon(self, cart_id: int, code: str | None) -> None: ...
    async def location(self, location_id: int, channel_id: int) -> LocationInfo | None: ...
    async def points_balance(self, member_id: int) -> int: ...


class CartUnitOfWork(Protocol):
    @property
    def carts(self) -> CartRepository: ...


def new_token() -> str:
    """32 URL-safe characters (192 random bits): a cart or order id nobody can guess."""
    return secrets.token_urlsafe(24)


async def open_cart(uow: CartUnitOfWork, principal: Principal, token: str | None) -> CartState:
    """The caller's cart, locked for this transaction; NOT_FOUND when missing or not theirs."""
    cart = await uow.carts.cart(token, lock=True) if token else None
    if cart is None or not can_use_cart(cart, principal):
        raise DomainError(Code.NOT_FOUND, "No such cart.", ["cartId"])
    check_can_change(cart, principal)
    check_open(cart)
    return cart


async def _add(uow: CartUnitOfWork, cart: CartState, requests: Sequence[LineRequest], path: list[str]) -> None:
    check_line_count(len(requests))
    errors: list[DomainError] = []
    for i, r in enumerate(requests):
        try:
            check_quantity(r.quantity, [*path, str(i), "quantity"])
        except DomainError as e:
            errors.append(e)
    wanted = [r.variant_id for r in requests if r.variant_id is not None]
    sellable = await uow.carts.sellable_variants(cart.channel_id, wanted) if wanted else set()
    errors += [
        DomainError(Code.NOT_FOUND, "No such product variant for sale in this channel.", [*path, str(i), "variantId"])
        for i, r in enumerate(requests)
        if r.variant_id not in sellable
    ]
    raise_all(errors)
    quantities = {ln.variant_id: ln.quantity for ln in await uow.carts.lines(cart.id)}
    changed: dict[int, int] = {}
    for i, r in enumerate(requests):
        assert r.variant_id is not None
        total = quantities.get(r.variant_id, 0) + r.quantity
        check_quantity(total, [*path, str(i), "quantity"])  # adding to an existing line
        quantities[r.variant_id] = changed[r.variant_id] = total
    check_line_count(len(quantities))
    await uow.carts.save_lines(cart.id, changed)


async def create_cart(
    uow: CartUnitOfWork,
    principal: Principal,
    *,
    channel_slug: str | None,
    lines: Sequence[LineRequest],
    member_id: int | None = None,
    member_given: bool = False,
) -> str:
    """Open a cart in a channel: the signed-in member's, a till's (staff selling in store, optionally
    for a recognised member), or a guest's. Returns its token."""
    channel = await uow.carts.channel(channel_slug)
    if channel is None or (channel_slug is not None and not channel.is_active):
        raise DomainError(Code.NOT_FOUND, "No such channel.", input_field("channel"))
    staff_id = principal.staff_id if principal.can(Permission.SELL_IN_STORE) else None
    till = principal.location_id if staff_id is not None else None
    check_cart_channel(
        channel, staff_id, await uow.carts.location(till, channel.id) if channel.is_pos and till is not None else None
    )
    owner = principal.member_id
    if member_given:
        if staff_id is None:
            raise DomainError(Code.INVALID, "Only staff at a till open carts for a member.", input_field("memberId"))
        if member_id is None or not await uow.carts.member_exists(member_id):
            raise DomainError(Code.NOT_FOUND, "No such member.", input_field("memberId"))
        owner = member_id
    new = NewCart(new_token(), channel.id, owner, till, staff_id)
    cart_id = await uow.carts.create(new)
    if lines:
        cart = CartState(
            cart_id,
            new.token,
            new.channel_id,
            new.member_id,
            new.location_id,
            new.staff_id,
            method=None,
            pickup_location_id=None,
            address=None,
            points=0,
            completed=False,
        )
        await _add(uow, cart, lines, input_field("lines"))
    return new.token


async def add_lines(uow: CartUnitOfWork, principal: Principal, token: str | None, lines: Sequence[LineRequest]) -> str:
    """Add lines; a variant already in the cart gets the quantities added."""
    cart = await open_cart(uow, principal, token)
    if not lines:
        raise DomainError(Code.REQUIRED, "Give at least one line.", ["lines"])
    await _add(uow, cart, lines, ["lines"])
    return cart.token


async def update_lines(
    uow: CartUnitOfWork, principal: Principal, token: str | None, changes: Sequence[LineChange]
) -> str:
    """Set the quantities of existing lines."""
    cart = await open_cart(uow, principal, token)
    by_id = {ln.id: ln for ln in await uow.carts.lines(cart.id)}
    errors: list[DomainError] = []
    quantities: dict[int, int] = {}
    for i, c in enumerate(changes):
        line = by_id.get(c.line_id) if c.line_id is not None else None
        if line is None:
            errors.append(DomainError(Code.NOT_FOUND, "No such line in this cart.", ["lines", str(i), "lineId"]))
            continue
        try:
            quantities[line.variant_id] = check_quantity(c.quantity, ["lines", str(i), "quantity"])
        except DomainError as e:
            errors.append(e)
    raise_all(errors)
    await uow.carts.save_lines(cart.id, quantities)
    return cart.token


async def remove_lines(
    uow: CartUnitOfWork, principal: Principal, token: str | None, line_ids: Sequence[int | None]
) -> str:
    cart = await open_cart(uow, principal, token)
    present = {ln.id for ln in await uow.carts.lines(cart.id)}
    raise_all(
        [
            DomainError(Code.NOT_FOUND, "No such line in this cart.", ["lineIds", str(i)])
            for i, line_id in enumerate(line_ids)
            if line_id not in present
        ]
    )
    await uow.carts.remove_lines(cart.id, [i for i in line_ids if i is not None])
    return cart.token


async def set_fulfilment(
    uow: CartUnitOfWork,
    principal: Principal,
    token: str | None,
    *,
    method: FulfilmentMethod,
    pickup_location_id: int | None,
    pickup_given: bool,
    address: AddressData | None,
    phone_region: str,
) -> str:
    """Choose how the order will be fulfilled: DELIVERY or ENDLESS_AISLE to an address, PICKUP at a
    pickup store of the channel, IN_STORE at the till's own store."""
    cart = await open_cart(uow, principal, token)
    channel = await uow.carts.channel_by_id(cart.channel_id)
    check_till_method(cart, channel, method, input_field("method"))
    store: int | None = None
    saved: dict[str, object] | None = None
    if method is FulfilmentMethod.PICKUP:
        if pickup_location_id is None:
            if pickup_given:  # an id, but not one of a location
                raise DomainError(Code.NOT_FOUND, "No such location.", input_field("pickupLocationId"))
            raise DomainError(
                Code.PICKUP_LOCATION_REQUIRED,
                "Pickup needs the store to pick up from.",
                input_field("pickupLocationId"),
            )
        location = await uow.carts.location(pickup_location_id, cart.channel_id)
        store = check_pickup_store(location, input_field("pickupLocationId"))
    elif method is FulfilmentMethod.IN_STORE:
        store = cart.location_id
    else:
        if address is None:
            raise DomainError(Code.REQUIRED, "A delivery needs an address.", input_field("address"))
        saved = dataclasses.asdict(validate_address(address, phone_region, ("input", "address")))
    await uow.carts.set_fulfilment(cart.id, method, store, saved)
    return cart.token


async def apply_points(uow: CartUnitOfWork, principal: Principal, token: str | None, points: int) -> str:
    """Pay part of the order with the cart member's points (0 removes them). What the channel's rule
    caps (at most a share of what is due) is applied; the balance is checked again at checkout."""
    cart = await open_cart(uow, principal, token)
    if cart.member_id is None:
        raise DomainError(Code.INVALID, "Only a member's cart can be paid with points.", ["cartId"])
    if not 0 <= points <= MAX_POINTS:
        raise DomainError(Code.INVALID_QUANTITY, f"Use 0 to {MAX_POINTS:,} points.", ["points"])
    if points and points > await uow.carts.points_balance(cart.member_id):
        raise DomainError(Code.INSUFFICIENT_POINTS, f"The member does not have {points} points.", ["points"])
    await uow.carts.set_points(cart.id, points)
    return cart.token
