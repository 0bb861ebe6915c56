"""Member profile types: the points ledger and the address book.

`Member` itself lives in `schema.accounts.types`; its `points` and `addresses` fields return
these. Everything is read through per-request dataloaders, so a list of members with their
points history and addresses costs a constant number of statements.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from db.member_queries import POINTS_ORDERING
from db.models import MemberAddress as AddressModel
from db.models import PointsEntry as EntryModel
from domain.access.model import Principal
from domain.access.personal import sees_personal_data
from domain.members import points as domain
from schema.context import Info
from schema.enums import graphql_enum
from schema.pagination import After, Before, Connection, First, Last, child_connection
from schema.relay import Node, register_node

# Named after the GraphQL type it kinds (PointsEntry), values and docs mirrored from the domain.
_EntryKind = Enum("PointsEntryKind", {k.name: k.value for k in domain.PointsKind}, type=str)  # type: ignore[misc]
PointsEntryKind = graphql_enum(
    _EntryKind,
    "Why the points balance changed.",
    {
        "EARN": "Earned on a completed order.",
        "SPEND": "Used to pay for (part of) an order.",
        "REFUND": "Points spent on a cancelled order came back.",
        "CLAWBACK": "Points earned on returned goods were taken back.",
        "ADJUST": "A staff correction or bonus (e.g. for following the official account).",
        "EXPIRE": "Unspent points passed their validity.",
    },
)


@strawberry.type(description="One change of a member's points balance. Entries are never edited or deleted.")
class PointsEntry:
    kind: PointsEntryKind = strawberry.field(description="Why the balance changed.")  # type: ignore[valid-type]
    delta: int = strawberry.field(description="Points added (positive) or taken (negative).")
    reason: str = strawberry.field(description="A human-readable reason.")
    balance_after: int = strawberry.field(description="The balance right after this change.")
    created_at: datetime = strawberry.field(description="When the change was made.")
    expires_at: datetime | None = strawberry.field(
        description="For points added: when they expire if still "
        "unspent (oldest-expiring points are used first); null for "
        "deductions."
    )

    @classmethod
    def from_model(cls, m: EntryModel) -> PointsEntry:
        return cls(
            kind=m.kind,
            delta=m.delta,
            reason=m.reason,
            balance_after=m.balance_after,
            created_at=m.created_at,
            expires_at=m.expires_at,
        )


@strawberry.type(
    description="A member's loyalty points: one balance earned and spent on every channel, "
    "kept as an append-only ledger."
)
class Points:
    balance: int = strawberry.field(description="Points available now: the sum of the ledger.")
    member_id: strawberry.Private[int]

    @strawberry.field(description="The ledger, newest entry first.")
    async def history(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[PointsEntry]:
        loaders = info.context.loaders
        return await child_connection(
            self.member_id,
            first,
            after,
            last,
            before,
            POINTS_ORDERING,
            loaders.points_history,
            loaders.points_count_by_member,
            PointsEntry.from_model,
        )


@strawberry.type(description="An address in a member's address book, for delivery at checkout.")
class MemberAddress(Node):
    name: str = strawberry.field(description="The recipient.")
    phone: str = strawberry.field(description="The recipient's phone number in E.164 form.")
    line1: str = strawberry.field(description="Street and number.")
    line2: str | None = strawberry.field(description="Building, floor, flat.")
    city: str = strawberry.field(description="City.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    latitude: float | None = strawberry.field(description="WGS84 latitude, when known.")
    longitude: float | None = strawberry.field(description="WGS84 longitude, when known.")
    is_default: bool = strawberry.field(
        description="The member's default address; a member's first address is the default, and at most one is."
    )
    created_at: datetime = strawberry.field(description="When the address was added.")
    member_id: strawberry.Private[int]

    @classmethod
    def _from_model(cls, m: AddressModel) -> MemberAddress:
        """Only through `address_for`."""
        return cls(
            pk=m.id,
            name=m.name,
            phone=m.phone,
            line1=m.line1,
            line2=m.line2,
            city=m.city,
            postal_code=m.postal_code,
            country=m.country,
            latitude=m.latitude,
            longitude=m.longitude,
            is_default=m.is_default,
            created_at=m.created_at,
            member_id=m.member_id,
        )


def address_for(principal: Principal, row: AddressModel | None) -> MemberAddress | None:
    """The one way to a `MemberAddress`: null unless `principal` may see its member's personal data."""
    if row is None or not sees_personal_data(principal, row.member_id):
        return None
    return MemberAddress._from_model(row)


async def _fetch_addresses(info: Info, ids: list[int]) -> list[MemberAddress | None]:
    rows = await info.context.loaders.address_by_id.load_many(ids)
    return [address_for(info.context.principal, r) for r in rows]


register_node("MemberAddress", _fetch_addresses)
