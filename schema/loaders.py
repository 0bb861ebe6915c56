"""Per-request dataloaders: every relationship a list can reach is one batched query.

A fresh `Loaders` is built for each request (aiodataloader binds to the running event
loop, so never at import time). Mutations clear them so that what they return is read
after the write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, ClassVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from db import catalog_queries as cq
from db import coupon_queries as cqq
from db import inventory_queries as iq
from db import member_queries as mq
from db import order_queries as oq
from db import promotion_admin as pa
from db import promotions as pq
from db.models import (
    App,
    Category,
    Channel,
    Coupon,
    Location,
    Member,
    MemberAddress,
    Product,
    ProductVariant,
    StaffUser,
)
from db.types import utcnow

Fetch = Callable[[AsyncSession, Sequence[Any]], Awaitable[dict[Any, Any]]]


class _Loader(DataLoader):  # type: ignore[type-arg]
    """Maps keys to what `fetch` found for them; `missing` for the rest."""

    fetch: ClassVar[Fetch]
    missing: ClassVar[Any] = None

    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self.session = session

    async def batch_load_fn(self, keys: Sequence[Hashable]) -> list[Any]:
        found = await type(self).fetch(self.session, keys)
        return [found.get(k, self.missing) for k in keys]


def _by_id(model: Any) -> Fetch:
    return lambda session, ids: cq.rows_by_ids(session, model, ids)


class ChannelBySlugLoader(_Loader):
    """Key "" is the default channel."""
    fetch = staticmethod(cq.channels_by_slugs)


class ChannelByIdLoader(_Loader):
    fetch = staticmethod(_by_id(Channel))


class CategoryByIdLoader(_Loader):
    fetch = staticmethod(_by_id(Category))


class ProductByIdLoader(_Loader):
    fetch = staticmethod(_by_id(Product))


class CategoryBySlugLoader(_Loader):
    fetch = staticmethod(cq.categories_by_slugs)


class ChildrenByCategoryLoader(_Loader):
    fetch = staticmethod(cq.children_by_category_ids)
    missing: ClassVar[Any] = ()


class PublishedByProductLoader(_Loader):
    """True when the product is published in some active channel."""
    fetch = staticmethod(cq.published_product_ids)
    missing: ClassVar[Any] = False


class VariantByIdLoader(_Loader):
    fetch = staticmethod(_by_id(ProductVariant))


class VariantsByProductLoader(_Loader):
    fetch = staticmethod(cq.variants_by_product_ids)
    missing: ClassVar[Any] = ()


class VariantsInChannelByProductLoader(_Loader):
    """Key (product id, channel id): the variants with their price and available units there."""
    fetch = staticmethod(cq.variants_in_channel)
    missing: ClassVar[Any] = ()


class ProductListingByProductChannelLoader(_Loader):
    """Key (product id, channel id)."""
    fetch = staticmethod(cq.product_listings)


class VariantListingByVariantChannelLoader(_Loader):
    """Key (variant id, channel id)."""
    fetch = staticmethod(cq.variant_listings)


class LocationByIdLoader(_Loader):
    fetch = staticmethod(_by_id(Location))


class ChannelIdsByLocationLoader(_Loader):
    fetch = staticmethod(iq.channel_ids_by_location_ids)
    missing: ClassVar[Any] = ()


class StockLevelsByVariantLoader(_Loader):
    fetch = staticmethod(iq.levels_by_variant_ids)
    missing: ClassVar[Any] = ()


class StockLevelByVariantLocationLoader(_Loader):
    """Key (variant id, location id)."""
    fetch = staticmethod(iq.levels_by_pairs)


class AvailableByVariantChannelLoader(_Loader):
    """Key (variant id, channel id): units the channel's locations can sell."""
    fetch = staticmethod(iq.available_by_variant_channel)
    missing: ClassVar[Any] = 0


class AvailableByProductChannelLoader(_Loader):
    """Key (product id, channel id)."""
    fetch = staticmethod(iq.available_by_product_channel)
    missing: ClassVar[Any] = 0


class AppByIdLoader(_Loader):
    fetch = staticmethod(_by_id(App))


class MemberByIdLoader(_Loader):
    fetch = staticmethod(_by_id(Member))


class StaffByIdLoader(_Loader):
    fetch = staticmethod(_by_id(StaffUser))


class IdentitiesByMemberLoader(_Loader):
    fetch = staticmethod(mq.identities_by_member_ids)
    missing: ClassVar[Any] = ()


class TagsByMemberLoader(_Loader):
    fetch = staticmethod(mq.tags_by_member_ids)
    missing: ClassVar[Any] = ()


class AddressesByMemberLoader(_Loader):
    fetch = staticmethod(mq.addresses_by_member_ids)
    missing: ClassVar[Any] = ()


class AddressByIdLoader(_Loader):
    fetch = staticmethod(_by_id(MemberAddress))


class PointsHistoryLoader(_Loader):
    """Key `member_queries.HistoryPage`: one page of one member's ledger."""
    fetch = staticmethod(mq.points_history_pages)


class PointsCountByMemberLoader(_Loader):
    fetch = staticmethod(mq.points_entry_counts)
    missing: ClassVar[Any] = 0


class SellablePriceLoader(_Loader):
    """Key (variant id, channel id): the current price, when the channel sells the variant."""
    fetch = staticmethod(oq.sellable_prices)


class CartByTokenLoader(_Loader):
    fetch = staticmethod(oq.carts_by_tokens)


class CartLinesByCartLoader(_Loader):
    fetch = staticmethod(oq.lines_by_cart_ids)
    missing: ClassVar[Any] = ()


class OrderByTokenLoader(_Loader):
    fetch = staticmethod(oq.orders_by_tokens)


class OrderLinesByOrderLoader(_Loader):
    fetch = staticmethod(oq.lines_by_order_ids)
    missing: ClassVar[Any] = ()


class PaymentsByOrderLoader(_Loader):
    fetch = staticmethod(oq.payments_by_order_ids)
    missing: ClassVar[Any] = ()


class EventsByOrderLoader(_Loader):
    fetch = staticmethod(oq.events_by_order_ids)
    missing: ClassVar[Any] = ()


class MemberOrdersLoader(_Loader):
    """Key `pagination.ChildPage`: one page of one member's orders."""
    fetch = staticmethod(oq.member_order_pages)


class RunningPromotionsLoader(_Loader):
    """Key: a moment (the request's `Loaders.now`): the promotions running then."""
    fetch = staticmethod(pq.running_promotions)
    missing: ClassVar[Any] = ()


class CatalogueFactsLoader(_Loader):
    """Key variant id: (product id, the product's category and its ancestors), for promotion scopes."""
    fetch = staticmethod(pq.catalogue_facts)


class MemberFactsLoader(_Loader):
    """Key (member id, promotion ids): what promotions ask about a member (`cart_pricing.MemberFacts`)."""
    fetch = staticmethod(pq.member_facts)


class CouponByCodeLoader(_Loader):
    """Key code: (coupon, its template)."""
    fetch = staticmethod(pq.coupons_by_codes)


class CouponRowByCodeLoader(_Loader):
    fetch = staticmethod(cqq.coupon_rows_by_codes)


class CouponRowByIdLoader(_Loader):
    fetch = staticmethod(_by_id(Coupon))


class MemberCouponsLoader(_Loader):
    """Key `pagination.ChildPage`: one page of one member's coupons."""
    fetch = staticmethod(cqq.member_coupon_pages)



class PromotionByIdLoader(_Loader):
    fetch = staticmethod(pa.promotions_by_ids)


class CouponTemplateByIdLoader(_Loader):
    fetch = staticmethod(pa.templates_by_ids)


class Loaders:
    def __init__(self, session: AsyncSession) -> None:
        self.now = utcnow()  # the request's clock: everything in one response is priced at one moment
        self.channel_by_slug = ChannelBySlugLoader(session)
        self.channel_by_id = ChannelByIdLoader(session)
        self.category_by_id = CategoryByIdLoader(session)
        self.category_by_slug = CategoryBySlugLoader(session)
        self.children_by_category = ChildrenByCategoryLoader(session)
        self.published_by_product = PublishedByProductLoader(session)
        self.product_by_id = ProductByIdLoader(session)
        self.variant_by_id = VariantByIdLoader(session)
        self.variants_by_product = VariantsByProductLoader(session)
        self.variants_in_channel = VariantsInChannelByProductLoader(session)
        self.product_listing = ProductListingByProductChannelLoader(session)
        self.variant_listing = VariantListingByVariantChannelLoader(session)
        self.location_by_id = LocationByIdLoader(session)
        self.channel_ids_by_location = ChannelIdsByLocationLoader(session)
        self.stock_levels_by_variant = StockLevelsByVariantLoader(session)
        self.stock_level = StockLevelByVariantLocationLoader(session)
        self.available_by_variant = AvailableByVariantChannelLoader(session)
        self.available_by_product = AvailableByProductChannelLoader(session)
        self.app_by_id = AppByIdLoader(session)
        self.member_by_id = MemberByIdLoader(session)
        self.staff_by_id = StaffByIdLoader(session)
        self.identities_by_member = IdentitiesByMemberLoader(session)
        self.tags_by_member = TagsByMemberLoader(session)
        self.addresses_by_member = AddressesByMemberLoader(session)
        self.address_by_id = AddressByIdLoader(session)
        self.points_history = PointsHistoryLoader(session)
        self.points_count_by_member = PointsCountByMemberLoader(session)
        self.sellable_price = SellablePriceLoader(session)
        self.cart_by_token = CartByTokenLoader(session)
        self.cart_lines = CartLinesByCartLoader(session)
        self.order_by_token = OrderByTokenLoader(session)
        self.order_lines = OrderLinesByOrderLoader(session)
        self.payments_by_order = PaymentsByOrderLoader(session)
        self.events_by_order = EventsByOrderLoader(session)
        self.member_orders = MemberOrdersLoader(session)
        self.running_promotions = RunningPromotionsLoader(session)
        self.catalogue_facts = CatalogueFactsLoader(session)
        self.member_facts = MemberFactsLoader(session)
        self.coupon_by_code = CouponByCodeLoader(session)
        self.coupon_row_by_code = CouponRowByCodeLoader(session)
        self.coupon_row_by_id = CouponRowByIdLoader(session)
        self.member_coupons = MemberCouponsLoader(session)
        self.promotion_by_id = PromotionByIdLoader(session)
        self.coupon_template_by_id = CouponTemplateByIdLoader(session)

    def clear(self) -> None:
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.clear_all()
