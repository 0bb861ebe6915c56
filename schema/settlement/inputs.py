"""Inputs of the settlement mutations. Ids arrive as Relay global ids; a malformed one, or one of
another type, becomes a key no row has and is reported as NOT_FOUND at its path."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain.settlement import model
from schema.relay import key_of
from schema.settlement.enums import PartyKind, SettlementRole


@strawberry.input(description="A new party, and the locations and channels that are its.")
class PartyCreateInput:
    name: str = strawberry.field(description="Display name (1 to 200 characters).")
    kind: PartyKind = strawberry.field(description="Who it is (not BRAND: there is one, created with the database).")
    location_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Locations that belong to it from now on."
    )
    channel_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Channels it operates from now on."
    )

    def locations(self) -> list[int | None]:
        return [key_of(i, "Location") for i in self.location_ids or []]

    def channels(self) -> list[int | None]:
        return [key_of(i, "Channel") for i in self.channel_ids or []]


@strawberry.input(
    description="A settlement rule: a rate xor a fixed amount per unit, for a role, optionally scoped and dated."
)
class SettlementRuleCreateInput:
    role: SettlementRole = strawberry.field(description="The role it pays (not BRAND: the brand takes the remainder).")
    party_id: strawberry.ID | None = strawberry.field(
        default=None, description="Limit to this party; for HOST and PLATFORM the party it pays (required)."
    )
    rate: Decimal | None = strawberry.field(
        default=None, description='Percent of the line\'s net amount, 0 to 100 ("5" is 5 %).'
    )
    fixed_amount: Decimal | None = strawberry.field(default=None, description="Amount per unit instead of a rate.")
    channel_id: strawberry.ID | None = strawberry.field(default=None, description="Limit to this channel.")
    location_id: strawberry.ID | None = strawberry.field(default=None, description="Limit to this location.")
    category_id: strawberry.ID | None = strawberry.field(default=None, description="Limit to this category.")
    valid_from: datetime | None = strawberry.field(default=None, description="From when; null: no start.")
    valid_to: datetime | None = strawberry.field(default=None, description="Until when (excluded); null: open-ended.")
    minimum_per_period: Decimal | None = strawberry.field(
        default=None,
        description="The named party's guaranteed total per statement period (保底, in its channel's currency or "
        "the default channel's): its statement of any period the rule is valid in is topped up to it by an "
        "ADJUSTMENT entry, which the brand bears. Requires `partyId`.",
    )

    def scope(self) -> model.Scope:
        def key(global_id: strawberry.ID | None, type_name: str) -> int | None:
            return key_of(global_id, type_name) if global_id is not None else None

        return model.Scope(
            key(self.party_id, "Party"),
            key(self.channel_id, "Channel"),
            key(self.location_id, "Location"),
            key(self.category_id, "Category"),
        )


@strawberry.input(description="Who brought the shopper.")
class CartAttributionInput:
    referral_code: str = strawberry.field(description="The code on a store's or staff guide's referral QR.")
