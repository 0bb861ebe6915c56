"""Reading promotions: `coupon(code)` for members and tills; `promotions` / `promotion` and
`couponTemplates` / `couponTemplate` for staff who manage promotions.

Admins see every promotion, a store manager the chain-wide ones and their own store's
(`domain.promotions.admin`); coupon templates are chain-wide and any promotion manager reads them.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import promotion_admin as db
from db.pagination import count
from domain.access.model import Permission
from domain.promotions import admin as rules
from schema.context import Info
from schema.pagination import After, Before, Connection, First, Last, list_connection, primed
from schema.permissions import require
from schema.promotions.coupon_types import Coupon, visible_coupon
from schema.promotions.inputs import Code, CouponTemplateFilter, PromotionFilter
from schema.promotions.types import CouponTemplate, Promotion, promotion_manager, template_by_id
from schema.relay import decode_id, filter_key, key_of


@strawberry.type
class CouponQuery:
    @strawberry.field(
        description="A coupon by its code: the member's own, or any for staff at a till or who "
        "look members up; null otherwise."
    )
    async def coupon(self, info: Info, code: Code) -> Coupon | None:
        return await visible_coupon(info, code)


def _promotion_query(info: Info, manager: rules.Manager, f: PromotionFilter | None) -> db.PromotionQuery:
    f = f or PromotionFilter()
    location_id = filter_key(f.location_id, "Location", "locationId", "a location")
    return db.PromotionQuery(
        is_active=f.is_active,
        status=rules.PromotionStatus(f.status.value) if f.status else None,
        running_at=f.running_at,
        location_id=location_id,
        visible_to_store=manager.store_id,
        now=info.context.loaders.now,
    )


@strawberry.type
class PromotionAdminQuery:
    @strawberry.field(
        description="Promotions, newest first. Staff who manage promotions: admins see all, a store "
        "manager the chain-wide ones and their store's."
    )
    async def promotions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            PromotionFilter | None, strawberry.argument(description="Only promotions matching all of these.")
        ] = None,
    ) -> Connection[Promotion]:
        q = _promotion_query(info, promotion_manager(info), filter)
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: db.promotion_page(session, q, request, size),
            primed(info.context.loaders.promotion_by_id, lambda p: p.id, Promotion.from_model),
            lambda: count(session, db.promotion_statement(q)),
        )

    @strawberry.field(description="A promotion by ID; null when it does not exist or is not visible to the caller.")
    async def promotion(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The promotion.")]
    ) -> Promotion | None:
        manager = promotion_manager(info)
        row = await info.context.loaders.promotion_by_id.load(key_of(id, "Promotion"))
        return Promotion.from_model(row) if row is not None and manager.sees(row.location_id) else None


@strawberry.type
class CouponTemplateQuery:
    @strawberry.field(description="Coupon templates (campaigns), newest first. Staff who manage promotions.")
    async def coupon_templates(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            CouponTemplateFilter | None, strawberry.argument(description="Only templates matching all of these.")
        ] = None,
    ) -> Connection[CouponTemplate]:
        require(info, Permission.MANAGE_PROMOTIONS)
        is_active = filter.is_active if filter else None
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: db.template_page(session, is_active, request, size),
            primed(info.context.loaders.coupon_template_by_id, lambda t: t.id, CouponTemplate.from_model),
            lambda: count(session, db.template_statement(is_active)),
        )

    @strawberry.field(description="A coupon template by ID; null when it does not exist. Staff who manage promotions.")
    async def coupon_template(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The coupon template.")]
    ) -> CouponTemplate | None:
        require(info, Permission.MANAGE_PROMOTIONS)
        return await template_by_id(info, decode_id(id, "CouponTemplate"))
