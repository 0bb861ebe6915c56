"""`domain.orders.cart_pricing.PricingSource` over the request's dataloaders: however many carts a
response prices, each fact costs one batched query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.orders.cart_pricing import MemberFacts
from domain.promotions import Promotion
from domain.promotions.coupons import CouponInfo, TemplateInfo
from schema.loaders import Loaders


class LoaderPricingSource:
    def __init__(self, loaders: Loaders) -> None:
        self.loaders = loaders

    async def running_promotions(self, now: datetime) -> list[Promotion]:
        return list(await self.loaders.running_promotions.load(now))

    async def catalogue_facts(self, variant_ids: Sequence[int]) -> dict[int, tuple[int, frozenset[int]]]:
        found = await self.loaders.catalogue_facts.load_many(list(variant_ids))
        return {v: f for v, f in zip(variant_ids, found, strict=True) if f is not None}

    async def member_facts(self, member_id: int, promotion_ids: Sequence[int]) -> MemberFacts:
        return await self.loaders.member_facts.load_existing((member_id, tuple(sorted(promotion_ids))))

    async def coupon(self, code: str) -> tuple[CouponInfo, TemplateInfo] | None:
        found: tuple[CouponInfo, TemplateInfo] | None = await self.loaders.coupon_by_code.load(code)
        return found
