"""The `Coupon` type; who may see one is `domain.promotions.access`.

A coupon is personal: its member sees it (`Member.coupons`, `coupon(code)`), and so do staff who
look members up or sell at a till (the till scans the code before writing it off). Everyone else
gets null, whether or not the code exists.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from db.coupon_queries import COUPON_ORDERING
from db.models import Coupon as CouponModel
from domain.promotions import coupons as rules
from domain.promotions.access import sees_coupons_of
from domain.promotions.model import normalize_code
from schema.accounts.types import Member, visible_member
from schema.context import Info
from schema.enums import graphql_enum
from schema.errors import ErrorCode, coded_error
from schema.inventory.types import Location
from schema.pagination import Connection, child_connection
from schema.promotions.types import CouponTemplate
from schema.relay import Node, register_node

CouponStatus = graphql_enum(
    rules.CouponStatus,
    "Where a coupon stands.",
    {
        "ACTIVE": "Can be used (from `validFrom`, until `validUntil`).",
        "REDEEMED": "Used: at checkout or written off at a till.",
        "EXPIRED": "Not used before `validUntil`.",
    },
)


@strawberry.type(description="A member's coupon: one use of a coupon template's discount, with its own code.")
class Coupon(Node):
    template_id: strawberry.Private[int]
    member_id: strawberry.Private[int]
    state: strawberry.Private[object]
    redeemed_location_id: strawberry.Private[int | None]
    code: str = strawberry.field(
        description="The coupon's own code: what the member shows at the till (as a QR "
        "code) or types at checkout. Keep it private."
    )
    valid_from: datetime | None = strawberry.field(description="Usable from this moment (null: at once).")
    valid_until: datetime | None = strawberry.field(description="Usable until this moment, exclusive (null: no end).")
    redeemed_at: datetime | None = strawberry.field(description="When it was used; null until then.")
    created_at: datetime = strawberry.field(description="When the member got it.")

    @strawberry.field(description="ACTIVE, REDEEMED, or EXPIRED (an unused coupon past `validUntil`).")
    def status(self, info: Info) -> CouponStatus:  # type: ignore[valid-type]
        return rules.status(self.state, self.valid_until, info.context.loaders.now)  # type: ignore[arg-type]

    @strawberry.field(description="What the coupon gives and its conditions (its template).")
    async def template(self, info: Info) -> CouponTemplate:
        template = await info.context.loaders.coupon_template_by_id.load_existing(self.template_id)
        return CouponTemplate.from_model(template)

    @strawberry.field(
        description="The member the coupon belongs to; null for callers who may not see the "
        "member's personal data (e.g. an app with only `promotions:write`)."
    )
    async def member(self, info: Info) -> Member | None:
        return await visible_member(info, self.member_id)

    @strawberry.field(description="The store whose till wrote the coupon off; null when unused or used online.")
    async def redeemed_location(self, info: Info) -> Location | None:
        if self.redeemed_location_id is None:
            return None
        row = await info.context.loaders.location_by_id.load(self.redeemed_location_id)
        return Location.from_model(row) if row else None

    @classmethod
    def from_model(cls, m: CouponModel) -> Coupon:
        return cls(
            pk=m.id,
            template_id=m.template_id,
            member_id=m.member_id,
            state=m.state,
            redeemed_location_id=m.redeemed_location_id,
            code=m.code,
            valid_from=m.valid_from,
            valid_until=m.valid_until,
            redeemed_at=m.redeemed_at,
            created_at=m.created_at,
        )


async def visible_coupon(info: Info, code: str) -> Coupon | None:
    row = await info.context.loaders.coupon_row_by_code.load(normalize_code(code)) if code.strip() else None
    if row is None or not sees_coupons_of(info.context.principal, row.member_id):
        return None
    return Coupon.from_model(row)


async def member_coupons(
    info: Info, member_id: int, first: int | None, after: str | None, last: int | None, before: str | None
) -> Connection[Coupon]:
    """`Member.coupons`: newest first; batched over a list of members."""
    if not sees_coupons_of(info.context.principal, member_id):
        raise coded_error("Only the member and staff see a member's coupons.", ErrorCode.FORBIDDEN)
    loaders = info.context.loaders
    return await child_connection(
        member_id,
        first,
        after,
        last,
        before,
        COUPON_ORDERING,
        loaders.member_coupons,
        loaders.coupon_count_by_member,
        Coupon.from_model,
    )


async def _fetch_coupons(info: Info, ids: list[int]) -> list[Coupon | None]:
    rows = await info.context.loaders.coupon_row_by_id.load_many(ids)
    principal = info.context.principal
    return [Coupon.from_model(r) if r and sees_coupons_of(principal, r.member_id) else None for r in rows]


register_node("Coupon", _fetch_coupons)
