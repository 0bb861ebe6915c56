"""Per-request dataloaders: every relationship a list can reach is one batched query.

A fresh `Loaders` is built for each request (aiodataloader binds to the running event
loop, so never at import time). Mutations clear them so that what they return is read
after the write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from db import catalog_queries as cq
from db import channel_queries
from db import coupon_queries as cqq
from db import inventory_queries as iq
from db import member_queries as mq
from db import order_queries as oq
from db import promotion_admin as pa
from db import promotions as pq
from db.models import (
    App,
    Channel,
    Coupon,
    Location,
    Member,
    MemberAddress,
    Product,
    ProductVariant,
    StaffUser,
)
from domain.clock import Clock, system_clock

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

    fetch = staticmethod(channel_queries.channels_by_slugs)


class ChannelByIdLoader(_Loader):
    fetch = staticmethod(_by_id(Channel))


class CategoryByIdLoader(_Loader):
    """Category rows (id, parent_id, name, slug, description): what the graph shows of a category."""

    fetch = staticmethod(cq.categories_by_ids)


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
    """Key `pagination.ChildPage`: one page of one member's ledger."""

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


class OrderCountByMemberLoader(_Loader):
    fetch = staticmethod(oq.member_order_counts)
    missing: ClassVar[Any] = 0


class MemberOrdersAtLoader(_Loader):
    """Key (`pagination.ChildPage`, location id): one page of one member's orders of that location."""

    fetch = staticmethod(oq.member_order_pages_at)


class OrderCountByMemberAtLoader(_Loader):
    """Key (member id, location id): how many of that location's orders the member has."""

    fetch = staticmethod(oq.member_order_counts_at)
    missing: ClassVar[Any] = 0


class OrderLocationsLoader(_Loader):
    """Key order id: the locations the order belongs to (store staff's visibility)."""

    fetch = staticmethod(oq.locations_by_order_ids)
    missing: ClassVar[Any] = frozenset()


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


class CouponCountByMemberLoader(_Loader):
    fetch = staticmethod(cqq.member_coupon_counts)
    missing: ClassVar[Any] = 0


class PromotionByIdLoader(_Loader):
    fetch = staticmethod(pa.promotions_by_ids)


class CouponTemplateByIdLoader(_Loader):
    fetch = staticmethod(pa.templates_by_ids)


L = TypeVar("L", bound=DataLoader)  # type: ignore[type-arg]


class _PerRequest(Generic[L]):
    """A `Loaders` attribute built on first use: a request touches a few of the loaders, and
    building all of them for every request was a measurable share of a small one."""

    def __init__(self, loader: type[L]) -> None:
        self.loader = loader

    def __set_name__(self, _owner: type, name: str) -> None:
        self.name = name

    def __get__(self, loaders: Loaders, _owner: type) -> L:
        built = loaders.__dict__[self.name] = self.loader(loaders.session)
        return built


class Loaders:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.now = clock()  # read once: everything in one response is priced at one moment

    channel_by_slug = _PerRequest(ChannelBySlugLoader)
    channel_by_id = _PerRequest(ChannelByIdLoader)
    category_by_id = _PerRequest(CategoryByIdLoader)
    category_by_slug = _PerRequest(CategoryBySlugLoader)
    children_by_category = _PerRequest(ChildrenByCategoryLoader)
    published_by_product = _PerRequest(PublishedByProductLoader)
    product_by_id = _PerRequest(ProductByIdLoader)
    variant_by_id = _PerRequest(VariantByIdLoader)
    variants_by_product = _PerRequest(VariantsByProductLoader)
    variants_in_channel = _PerRequest(VariantsInChannelByProductLoader)
    product_listing = _PerRequest(ProductListingByProductChannelLoader)
    variant_listing = _PerRequest(VariantListingByVariantChannelLoader)
    location_by_id = _PerRequest(LocationByIdLoader)
    channel_ids_by_location = _PerRequest(ChannelIdsByLocationLoader)
    stock_levels_by_variant = _PerRequest(StockLevelsByVariantLoader)
    stock_level = _PerRequest(StockLevelByVariantLocationLoader)
    available_by_variant = _PerRequest(AvailableByVariantChannelLoader)
    available_by_product = _PerRequest(AvailableByProductChannelLoader)
    app_by_id = _PerRequest(AppByIdLoader)
    member_by_id = _PerRequest(MemberByIdLoader)
    staff_by_id = _PerRequest(StaffByIdLoader)
    identities_by_member = _PerRequest(IdentitiesByMemberLoader)
    tags_by_member = _PerRequest(TagsByMemberLoader)
    addresses_by_member = _PerRequest(AddressesByMemberLoader)
    address_by_id = _PerRequest(AddressByIdLoader)
    points_history = _PerRequest(PointsHistoryLoader)
    points_count_by_member = _PerRequest(PointsCountByMemberLoader)
    sellable_price = _PerRequest(SellablePriceLoader)
    cart_by_token = _PerRequest(CartByTokenLoader)
    cart_lines = _PerRequest(CartLinesByCartLoader)
    order_by_token = _PerRequest(OrderByTokenLoader)
    order_lines = _PerRequest(OrderLinesByOrderLoader)
    payments_by_order = _PerRequest(PaymentsByOrderLoader)
    events_by_order = _PerRequest(EventsByOrderLoader)
    member_orders = _PerRequest(MemberOrdersLoader)
    order_count_by_member = _PerRequest(OrderCountByMemberLoader)
    member_orders_at = _PerRequest(MemberOrdersAtLoader)
    order_count_by_member_at = _PerRequest(OrderCountByMemberAtLoader)
    order_locations = _PerRequest(OrderLocationsLoader)
    running_promotions = _PerRequest(RunningPromotionsLoader)
    catalogue_facts = _PerRequest(CatalogueFactsLoader)
    member_facts = _PerRequest(MemberFactsLoader)
    coupon_by_code = _PerRequest(CouponByCodeLoader)
    coupon_row_by_code = _PerRequest(CouponRowByCodeLoader)
    coupon_row_by_id = _PerRequest(CouponRowByIdLoader)
    member_coupons = _PerRequest(MemberCouponsLoader)
    coupon_count_by_member = _PerRequest(CouponCountByMemberLoader)
    promotion_by_id = _PerRequest(PromotionByIdLoader)
    coupon_template_by_id = _PerRequest(CouponTemplateByIdLoader)

    def clear(self) -> None:
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.clear_all()
