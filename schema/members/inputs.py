"""Member mutation inputs: identities, profile, address book, tags and points.

`AddressInput` is the contract's delivery address; checkout reuses it.
"""

from __future__ import annotations

import strawberry

from domain.members.model import AddressData
from schema.accounts.enums import IdentityKind


@strawberry.input(description="A delivery address. Every field is checked and every bad one reported.")
class AddressInput:
    name: str = strawberry.field(description="The recipient (at most 100 characters).")
    phone: str = strawberry.field(
        description="The recipient's phone number, in any format; without a country code the address's country applies."
    )
    line1: str = strawberry.field(description="Street and number (at most 250 characters).")
    city: str = strawberry.field(description="City (at most 100 characters).")
    postal_code: str | None = strawberry.field(default=None, description="Postal code (at most 20 characters).")
    country: str = strawberry.field(description='ISO 3166-1 alpha-2 country code ("CN").')
    latitude: float | None = strawberry.field(
        default=None, description="WGS84 latitude, -90 to 90; give it with `longitude` or not at all."
    )
    longitude: float | None = strawberry.field(default=None, description="WGS84 longitude, -180 to 180.")

    def to_data(self) -> AddressData:
        return AddressData(
            name=self.name,
            phone=self.phone,
            line1=self.line1,
            city=self.city,
            country=self.country,
            postal_code=self.postal_code,
            latitude=self.latitude,
            longitude=self.longitude,
        )


@strawberry.input(description="An address for the member's own address book.")
class MemberAddressInput(AddressInput):
    line2: str | None = strawberry.field(default=None, description="Building, floor, flat (at most 250 characters).")
    is_default: bool = strawberry.field(
        default=False,
        description="Make this the default address (the "
        "previous default stops being one). A member's first address is always "
        "the default; false leaves the current default as it is.",
    )

    def to_data(self) -> AddressData:
        data = super().to_data()
        return AddressData(
            name=data.name,
            phone=data.phone,
            line1=data.line1,
            city=data.city,
            country=data.country,
            line2=self.line2,
            postal_code=data.postal_code,
            latitude=data.latitude,
            longitude=data.longitude,
        )


@strawberry.input(description="One more way to recognise a member (a card handed over at the till, a WeChat OpenID).")
class MemberIdentityLinkInput:
    kind: IdentityKind = strawberry.field(description="What kind of identity.")
    value: str = strawberry.field(
        description="The identity: an e-mail, a phone number in any format, or a "
        "card number / OpenID / device id of 4 to 128 printable characters."
    )
    member_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The member to link it to. "
        "Members link to themselves and may omit it; staff "
        "selling in store give it.",
    )


@strawberry.input(description="Changes to the signed-in member's profile; omitted fields stay as they are.")
class MemberUpdateInput:
    name: str | None = strawberry.field(default=None, description="The member's name (1 to 100 characters).")


@strawberry.input(description="Tags to add to or remove from a member.")
class MemberTagsInput:
    tags: list[str] = strawberry.field(
        description="1 to 50 tags such as `vip` or `store:sh01`: lower-case "
        "letters, digits and : _ - . (stored lower-case)."
    )


@strawberry.input(description="A staff correction or bonus to a member's points.")
class PointsAdjustInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    delta: int = strawberry.field(
        description="Points to add (positive) or deduct (negative); not zero. A "
        "deduction cannot take the balance below zero."
    )
    reason: str = strawberry.field(description="Why (1 to 250 characters); shown in the points history.")
