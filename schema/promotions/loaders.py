"""The promotions' dataloaders: what pricing asks about promotions, coupons and the catalogue, and
the rows the admin graph shows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from db import coupon_queries as cqq
from db import promotion_admin as pa
from db import promotions as pq
from db.models import Coupon, CouponTemplate
from db.models import Promotion as PromotionRow
from db.pagination import ChildPage, Page
from domain.orders.cart_pricing import MemberFacts
from domain.promotions import Promotion
from domain.promotions.coupons import CouponInfo, TemplateInfo
from schema.batch_loader import BatchLoader, OptionalLoader, by_id


class RunningPromotionsByMomentLoader(BatchLoader[datetime, Sequence[Promotion]]):
    """Key a moment (the request's `Loaders.now`): the promotions running then."""

    fetch = staticmethod(pq.running_promotions)
    missing = ()


class CatalogueFactsByVariantLoader(OptionalLoader[int, tuple[int, frozenset[int]]]):
    """(product id, the product's category and its ancestors), for promotion scopes."""

    fetch = staticmethod(pq.catalogue_facts)


class MemberFactsByMemberPromotionsLoader(OptionalLoader[tuple[int, tuple[int, ...]], MemberFacts]):
    """Key (member id, promotion ids): what those promotions ask about the member."""

    fetch = staticmethod(pq.member_facts)


class CouponByCodeLoader(OptionalLoader[str, tuple[CouponInfo, TemplateInfo]]):
    """The coupon as pricing sees it, with its template."""

    fetch = staticmethod(pq.coupons_by_codes)


class CouponRowByCodeLoader(OptionalLoader[str, Coupon]):
    fetch = staticmethod(cqq.coupon_rows_by_codes)


class CouponRowByIdLoader(OptionalLoader[int, Coupon]):
    fetch = staticmethod(by_id(Coupon))


class CouponPageByMemberLoader(OptionalLoader[ChildPage, Page[Any]]):
    """Key `ChildPage`: one page of one member's coupons."""

    fetch = staticmethod(cqq.member_coupon_pages)


class CouponCountByMemberLoader(BatchLoader[int, int]):
    fetch = staticmethod(cqq.member_coupon_counts)
    missing = 0


class PromotionByIdLoader(OptionalLoader[int, PromotionRow]):
    fetch = staticmethod(pa.promotions_by_ids)


class CouponTemplateByIdLoader(OptionalLoader[int, CouponTemplate]):
    fetch = staticmethod(pa.templates_by_ids)
