"""Account types: members (one customer across every channel) and staff users."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from db.models import Member as MemberModel
from db.models import StaffUser as StaffModel
from domain.access.model import Principal
from domain.access.personal import sees_personal_data
from domain.accounts import model as domain
from domain.accounts.access import sees_staff
from schema.accounts.enums import IdentityKind, StaffRole
from schema.channels.types import Channel
from schema.context import Info
from schema.inventory.types import Location
from schema.members.types import MemberAddress, Points
from schema.pagination import After, Before, Connection, First, Last
from schema.relay import Node, register_node

if TYPE_CHECKING:
    from schema.orders.types import Order
    from schema.promotions.coupon_types import Coupon


@strawberry.type(description="One way a member is recognised (normalised: lower-case e-mail, E.164 phone).")
class Identity:
    kind: IdentityKind = strawberry.field(description="What kind of identity.")
    value: str = strawberry.field(description="The normalised value.")


@strawberry.type(description="One customer, recognised on every channel by any of their identities.")
class Member(Node):
    name: str = strawberry.field(description="The member's name.")
    created_at: datetime = strawberry.field(description="When the member registered.")

    @strawberry.field(description="Every identity the member is known by.")
    async def identities(self, info: Info) -> list[Identity]:
        rows = await info.context.loaders.identities_by_member.load(self.pk)
        return [Identity(kind=r.kind, value=r.value) for r in rows]

    @strawberry.field(description="The member's e-mail address, if they gave one.")
    async def email(self, info: Info) -> str | None:
        return await self._first(info, domain.IdentityKind.EMAIL)

    @strawberry.field(description="The member's phone number in E.164 form, if they gave one.")
    async def phone(self, info: Info) -> str | None:
        return await self._first(info, domain.IdentityKind.PHONE)

    async def _first(self, info: Info, kind: domain.IdentityKind) -> str | None:
        rows = await info.context.loaders.identities_by_member.load(self.pk)
        return next((r.value for r in rows if r.kind == kind), None)

    points_balance: strawberry.Private[int] = 0
    joined_channel_id: strawberry.Private[int | None] = None
    joined_location_id: strawberry.Private[int | None] = None

    @strawberry.field(description="Labels for targeted marketing (`vip`, `store:sh01`), A to Z.")
    async def tags(self, info: Info) -> list[str]:
        return list(await info.context.loaders.tags_by_member.load(self.pk))

    @strawberry.field(description="The member's loyalty points: balance and ledger.")
    def points(self) -> Points:
        return Points(balance=self.points_balance, member_id=self.pk)

    @strawberry.field(
        description="The member's orders from every channel, newest first (visible to the member "
        "and to staff who view orders; store staff see those of their location)."
    )
    async def orders(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Annotated[Order, strawberry.lazy("schema.orders.types")]]:
        from schema.orders.queries import member_orders

        return await member_orders(info, self.pk, first, after, last, before)

    @strawberry.field(
        description="The member's coupons, newest first, used and expired ones included (visible to "
        "the member and to staff who look members up or sell in store)."
    )
    async def coupons(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Coupon, strawberry.lazy("schema.promotions.coupon_types")]]:
        from schema.promotions.coupon_types import member_coupons

        return await member_coupons(info, self.pk, first, after, last, before)

    @strawberry.field(description="The member's delivery addresses, the default first.")
    async def addresses(self, info: Info) -> list[MemberAddress]:
        rows = await info.context.loaders.addresses_by_member.load(self.pk)
        return [MemberAddress._from_model(r) for r in rows]  # built through the rule, so is the member

    @strawberry.field(description="The channel the member registered through; null when unknown.")
    async def joined_channel(self, info: Info) -> Channel | None:
        row = await info.context.loaders.channel_by_id.load(self.joined_channel_id) if self.joined_channel_id else None
        return Channel.from_model(row) if row else None

    @strawberry.field(description="The store where the member joined at a till; null when they joined online.")
    async def joined_location(self, info: Info) -> Location | None:
        location_id = self.joined_location_id
        row = await info.context.loaders.location_by_id.load(location_id) if location_id else None
        return Location.from_model(row) if row else None

    @classmethod
    def _from_model(cls, m: MemberModel) -> Member:
        """Only through `member_for`: building a Member is deciding that the caller may see it."""
        return cls(
            pk=m.id,
            name=m.name,
            created_at=m.created_at,
            points_balance=m.points_balance,
            joined_channel_id=m.joined_channel_id,
            joined_location_id=m.joined_location_id,
        )


@strawberry.type(description="A staff user: store manager, cashier, fulfilment or admin.")
class StaffUser(Node):
    email: str = strawberry.field(description="Sign-in e-mail.")
    name: str = strawberry.field(description="Display name.")
    role: StaffRole = strawberry.field(description="What the user may do.")
    is_active: bool = strawberry.field(description="Inactive users cannot sign in.")
    referral_code: str | None = strawberry.field(
        default=None,
        description="The code on the user's referral QR, as a staff guide: a cart that carries it "
        "(`cartAttributionSet`) credits them and their store.",
    )
    location_id: strawberry.Private[int | None] = None

    @strawberry.field(description="The store (or warehouse) the user works at; null for staff who work everywhere.")
    async def location(self, info: Info) -> Location | None:
        row = await info.context.loaders.location_by_id.load(self.location_id) if self.location_id else None
        return Location.from_model(row) if row else None

    @classmethod
    def from_model(cls, m: StaffModel) -> StaffUser:
        return cls(
            pk=m.id,
            email=m.email,
            name=m.name,
            role=m.role,
            is_active=m.is_active,
            referral_code=m.referral_code,
            location_id=m.location_id,
        )


def member_for(principal: Principal, row: MemberModel | None) -> Member | None:
    """The one way to a `Member` (every field, query, payload and `node`): null unless `principal`
    may see the member's personal data (domain/access/personal.py)."""
    return Member._from_model(row) if row is not None and sees_personal_data(principal, row.id) else None


async def visible_member(info: Info, member_id: int | None, principal: Principal | None = None) -> Member | None:
    """A field's member, loaded only when the caller may see it. `principal`: whom a mutation just
    proved the caller to be (registration, sign-in), when the request's token does not say it yet."""
    who = principal or info.context.principal
    if member_id is None or not sees_personal_data(who, member_id):
        return None
    return member_for(who, await info.context.loaders.member_by_id.load(member_id))


async def _fetch_members(info: Info, ids: list[int]) -> list[Member | None]:
    rows = await info.context.loaders.member_by_id.load_many(ids)
    return [member_for(info.context.principal, r) for r in rows]


register_node("Member", _fetch_members)


async def _fetch_staff(info: Info, ids: list[int]) -> list[StaffUser | None]:
    rows = await info.context.loaders.staff_by_id.load_many(ids)
    return [StaffUser.from_model(r) if r and sees_staff(info.context.principal, r.id) else None for r in rows]


register_node("StaffUser", _fetch_staff)


async def visible_staff(info: Info, staff_id: int | None) -> StaffUser | None:
    """The staff user behind a record (who moved stock, who sent a transfer), for those who may see them."""
    if staff_id is None or not sees_staff(info.context.principal, staff_id):
        return None
    row = await info.context.loaders.staff_by_id.load(staff_id)
    return StaffUser.from_model(row) if row is not None else None
