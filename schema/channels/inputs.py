"""Inputs of the channel mutations, and how each becomes a domain command."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.catalog import commands as cmd
from domain.catalog import model as domain
from domain.inventory.model import Routing
from schema.channels.enums import ChannelKind, ChannelOwnership, FulfillmentRouting

SLUG = "What clients pass as `channel:`: lower-case letters, digits and single hyphens."
CURRENCY = (
    'ISO 4217 currency code the channel sells in ("CNY"). It cannot change once variants are priced in the channel.'
)
IS_DEFAULT = (
    "Make this the channel used when a client names none; the previous default stops being it. "
    "The default channel must be active."
)


@strawberry.input(description="What a channel charges for delivery (DELIVERY and ENDLESS_AISLE orders).")
class ChannelShippingInput:
    flat_rate: Decimal = strawberry.field(description="The charge per order, in the channel's currency.")
    free_over: Decimal | None = strawberry.field(
        default=None, description="Merchandise at or above this ships free; null: never free."
    )

    def to_rates(self) -> cmd.ShippingRates:
        return cmd.ShippingRates(self.flat_rate, self.free_over)


SHIPPING = "Delivery charges; a channel without them charges the default (10.00, free from 199.00)."
ROUTING = "Which locations ship its deliveries."


@strawberry.input(description="A new sales channel. The first active channel becomes the default.")
class ChannelCreateInput:
    slug: str = strawberry.field(description=SLUG)
    name: str = strawberry.field(description="Display name; cannot be blank.")
    currency: str = strawberry.field(description=CURRENCY)
    kind: ChannelKind = strawberry.field(description="The touchpoint it serves.")
    ownership: ChannelOwnership = strawberry.field(
        default=ChannelOwnership.DIRECT, description="Who operates it; DIRECT when omitted."
    )
    is_default: bool = strawberry.field(default=False, description=IS_DEFAULT)
    is_active: bool = strawberry.field(default=True, description="Inactive channels are hidden from storefronts.")
    shipping: ChannelShippingInput | None = strawberry.field(default=None, description=SHIPPING)
    routing: FulfillmentRouting = strawberry.field(
        default=FulfillmentRouting.NEAREST, description=ROUTING + " NEAREST when omitted."
    )

    def to_command(self) -> cmd.ChannelCreate:
        return cmd.ChannelCreate(
            slug=self.slug,
            name=self.name,
            currency=self.currency,
            kind=domain.ChannelKind(self.kind.value),
            ownership=domain.ChannelOwnership(self.ownership.value),
            is_default=self.is_default,
            is_active=self.is_active,
            shipping=self.shipping.to_rates() if self.shipping else None,
            routing=Routing(self.routing.value),
        )


@strawberry.input(description="Changes to a channel; omitted or null fields stay as they are.")
class ChannelUpdateInput:
    slug: str | None = strawberry.field(default=None, description=SLUG + " Clients using the old slug break.")
    name: str | None = strawberry.field(default=None, description="Display name; cannot be blank.")
    currency: str | None = strawberry.field(default=None, description=CURRENCY)
    kind: ChannelKind | None = strawberry.field(default=None, description="The touchpoint it serves.")
    ownership: ChannelOwnership | None = strawberry.field(default=None, description="Who operates it.")
    is_default: bool | None = strawberry.field(
        default=None, description=IS_DEFAULT + " A channel stops being the default only by another one becoming it."
    )
    is_active: bool | None = strawberry.field(
        default=None,
        description="Inactive channels are hidden from storefronts; the default channel cannot be deactivated.",
    )
    shipping: ChannelShippingInput | None = strawberry.field(default=None, description=SHIPPING)
    routing: FulfillmentRouting | None = strawberry.field(default=None, description=ROUTING)

    def to_command(self, channel_id: int) -> cmd.ChannelUpdate:
        return cmd.ChannelUpdate(
            channel_id=channel_id,
            slug=self.slug,
            name=self.name,
            currency=self.currency,
            kind=domain.ChannelKind(self.kind.value) if self.kind is not None else None,
            ownership=domain.ChannelOwnership(self.ownership.value) if self.ownership is not None else None,
            is_default=self.is_default,
            is_active=self.is_active,
            shipping=self.shipping.to_rates() if self.shipping else None,
            routing=Routing(self.routing.value) if self.routing is not None else None,
        )
