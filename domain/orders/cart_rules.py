"""Cart rules: who may use a cart, line quantities, fulfilment choices, and the cart's totals.

A cart belongs to a member (only they use it), to a till (staff selling at that store use it;
the member it was opened for only reads it), or to nobody: a guest's cart, used by whoever holds
its unguessable id. Prices are never kept on the cart: totals are computed from the channel's
current prices whenever the cart is read, and again at checkout.

Pricing: shipping follows the channel's rates (`channelUpdate(input: {shipping: ...})`); a
channel without rates charges the default, a flat 10.00, free from 199.00 of merchandise. Each
point pays 0.01 and points pay at most half of what is due.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.access.model import Permission, Principal
from domain.catalog.model import ChannelKind
from domain.errors import Code, DomainError, input_field
from domain.inventory.model import FulfilmentMethod, LocationType, Routing
from domain.orders.pricing import PointsRule, PricedLine, ShippingRule

MAX_LINE_QUANTITY = 999
MAX_CART_LINES = 100
MAX_POINTS = 10_000_000

DEFAULT_SHIPPING = ShippingRule(flat_rate=Decimal("10.00"), free_over=Decimal("199.00"))
DEFAULT_POINTS = PointsRule(value=Decimal("0.01"), max_share=Decimal("0.5"))


def channel_shipping(flat_rate: Decimal | None, free_over: Decimal | None) -> ShippingRule:
    """A channel's shipping rule: its own rates, or the default when it has none."""
    if flat_rate is None:
        return DEFAULT_SHIPPING
    return ShippingRule(flat_rate=flat_rate, free_over=free_over)


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    id: int
    kind: ChannelKind
    currency: str
    points_per_unit: Decimal
    is_active: bool = True
    shipping_flat_rate: Decimal | None = None
    shipping_free_over: Decimal | None = None
    routing: Routing = Routing.NEAREST  # which locations ship its deliveries

    @property
    def is_pos(self) -> bool:
        return self.kind is ChannelKind.POS


@dataclass(frozen=True, slots=True)
class CartState:
    id: int
    token: str
    channel_id: int
    member_id: int | None
    location_id: int | None  # the till's store, for carts opened at a till
    staff_id: int | None
    method: FulfilmentMethod | None
    pickup_location_id: int | None
    address: Mapping[str, object] | None
    points: int
    completed: bool
    coupon_code: str | None = None  # applied with cartCouponApply; used only if it is usable at checkout
    # cartAttributionSet: the store, or staff guide (and the store they work at), that brought the shopper.
    referring_location_id: int | None = None
    guide_id: int | None = None
    guide_location_id: int | None = None

    @property
    def at_till(self) -> bool:
        return self.staff_id is not None and self.location_id is not None


@dataclass(frozen=True, slots=True)
class CartLineState:
    id: int
    variant_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class LocationInfo:
    id: int
    type: LocationType
    is_active: bool
    is_pickup_point: bool
    in_channel: bool


class PricingRules(Protocol):
    """How a channel charges shipping and values points (a strategy with one default)."""

    def shipping(self, channel: ChannelInfo) -> ShippingRule: ...
    def points(self, channel: ChannelInfo) -> PointsRule: ...


class DefaultPricingRules:
    def shipping(self, channel: ChannelInfo) -> ShippingRule:
        return channel_shipping(channel.shipping_flat_rate, channel.shipping_free_over)

    def points(self, channel: ChannelInfo) -> PointsRule:
        return DEFAULT_POINTS


DEFAULT_RULES = DefaultPricingRules()


# ---------------------------------------------------------------------------- access


def can_use_cart(cart: CartState, principal: Principal) -> bool:
    """Who reads a cart: a member's cart is theirs (and the till's, when a cashier opened it for
    them); a till's cart is its store's staff's; a guest cart is whoever's holds its id."""
    if cart.member_id is not None and principal.member_id == cart.member_id:
        return True
    if cart.staff_id is not None:
        return _sells_at_till(cart, principal)
    return cart.member_id is None


def check_can_change(cart: CartState, principal: Principal) -> None:
    """Who changes a cart and checks it out: whoever reads it, except that a till's cart is changed
    only at the till. The member a cashier opened it for reads it, but does not add till-only
    products to it or have it delivered at till prices from home."""
    if cart.staff_id is not None and not _sells_at_till(cart, principal):
        raise DomainError(Code.INVALID, "A till's cart is changed and checked out at the till.", ["cartId"])


def _sells_at_till(cart: CartState, principal: Principal) -> bool:
    if cart.location_id is None:
        return principal.can(Permission.SELL_IN_STORE)
    return principal.can_at(Permission.SELL_IN_STORE, cart.location_id)


def check_cart_channel(channel: ChannelInfo, staff_id: int | None, store: LocationInfo | None) -> None:
    """A POS channel's carts are its tills': opened by staff selling at one of the channel's active
    stores (`store`: where they work), never by shoppers, who would get till prices and till-only
    products delivered. Every other kind of channel (app, web, mini-program, kiosk...) sells to anyone."""
    if channel.is_pos and not (
        staff_id is not None
        and store is not None
        and store.type is LocationType.STORE
        and store.is_active
        and store.in_channel
    ):
        raise not_a_till(input_field("channel"))


def check_checkout_channel(cart: CartState, channel: ChannelInfo) -> None:
    """At checkout: a cart in a POS channel must be a till's (carts opened before the rule above),
    and a deactivated channel sells nothing more, also to carts opened while it was active."""
    if not channel.is_active:
        raise DomainError(Code.NOT_FOUND, "The channel no longer sells; start a new cart.", ["cartId"])
    if channel.is_pos and not cart.at_till:
        raise not_a_till(["cartId"])


def not_a_till(field: list[str]) -> DomainError:
    return DomainError(
        Code.CHANNEL_NOT_ALLOWED, "Carts in a till channel are opened by staff at one of its stores.", field
    )


def check_open(cart: CartState) -> None:
    if cart.completed:
        raise DomainError(Code.INVALID, "The cart has been checked out; start a new cart.", ["cartId"])


# ---------------------------------------------------------------------------- lines


def check_quantity(quantity: int, field: list[str]) -> int:
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise DomainError(Code.INVALID_QUANTITY, f"A line holds 1 to {MAX_LINE_QUANTITY} units.", field)
    return quantity


def check_line_count(count: int) -> None:
    if count > MAX_CART_LINES:
        raise DomainError(Code.INVALID, f"A cart holds at most {MAX_CART_LINES} lines.", ["lines"])


# ---------------------------------------------------------------------------- fulfilment


def check_pickup_store(location: LocationInfo | None, field: list[str]) -> int:
    """The store a PICKUP order is collected from: an active store, a pickup point, selling in the channel."""
    if location is None:
        raise DomainError(Code.NOT_FOUND, "No such location.", field)
    if not (
        location.type is LocationType.STORE and location.is_active and location.is_pickup_point and location.in_channel
    ):
        raise DomainError(Code.INVALID, "That location is not a pickup store of this channel.", field)
    return location.id


def check_till_method(cart: CartState, channel: ChannelInfo, method: FulfilmentMethod, field: list[str]) -> None:
    """IN_STORE and ENDLESS_AISLE happen at a till: a cart a cashier opened at their store in a POS channel."""
    if method in (FulfilmentMethod.IN_STORE, FulfilmentMethod.ENDLESS_AISLE) and not (cart.at_till and channel.is_pos):
        raise DomainError(Code.INVALID, f"{method.value} is only for carts opened at a store's till.", field)


def checkout_fulfilment(cart: CartState) -> tuple[FulfilmentMethod, int | None]:
    """The method and store a checkout uses: what was chosen (a till cart defaults to IN_STORE)."""
    method = cart.method
    if method is None:
        if cart.at_till:
            return FulfilmentMethod.IN_STORE, cart.location_id
        raise DomainError(Code.REQUIRED, "Choose how the order is fulfilled (cartFulfillmentSet) first.", ["cartId"])
    if method is FulfilmentMethod.PICKUP:
        if cart.pickup_location_id is None:
            raise DomainError(Code.PICKUP_LOCATION_REQUIRED, "Choose the store to pick the order up from.", ["cartId"])
        return method, cart.pickup_location_id
    if method is FulfilmentMethod.IN_STORE:
        return method, cart.location_id
    if cart.address is None:
        raise DomainError(Code.REQUIRED, "A delivery needs an address.", ["cartId"])
    return method, None


def destination(address: Mapping[str, object] | None) -> tuple[float, float] | None:
    if not address:
        return None
    lat, lon = address.get("latitude"), address.get("longitude")
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
        return float(lat), float(lon)
    return None


# ---------------------------------------------------------------------------- totals


def priced_lines(lines: Sequence[CartLineState], prices: Mapping[int, Decimal]) -> list[PricedLine]:
    """The lines the channel still sells, at its current prices; each keyed by its position in the cart."""
    return [
        PricedLine(str(i), ln.variant_id, ln.quantity, prices[ln.variant_id])
        for i, ln in enumerate(lines)
        if ln.variant_id in prices
    ]
