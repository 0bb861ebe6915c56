"""The per-request registry of dataloaders: every relationship a list can reach is one batched query.

Each area declares its loaders in `schema/<area>/loaders.py` (on `schema.batch_loader`); a fresh
`Loaders` is built for each request (aiodataloader binds to the running event loop, so never at
import time). Mutations clear them so that what they return is read after the write.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import Clock, system_clock
from schema.accounts.loaders import IdentitiesByMemberLoader, MemberByIdLoader, StaffByIdLoader
from schema.apps.loaders import (
    AppByIdLoader,
    DeliveryByIdLoader,
    DeliveryCountByWebhookLoader,
    DeliveryPageByWebhookLoader,
    WebhookByIdLoader,
)
from schema.batch_loader import BatchLoader
from schema.catalog.loaders import (
    AttributesByVariantLoader,
    CategoryByIdLoader,
    CategoryBySlugLoader,
    ChildrenByCategoryLoader,
    MediaByIdLoader,
    MediaByProductLoader,
    MediaByVariantLoader,
    ProductByIdLoader,
    ProductListingByProductChannelLoader,
    PublishedByProductLoader,
    VariantByIdLoader,
    VariantListingByVariantChannelLoader,
    VariantsByProductChannelLoader,
    VariantsByProductLoader,
)
from schema.channels.loaders import ChannelByIdLoader, ChannelBySlugLoader
from schema.inventory.loaders import (
    AvailableByVariantChannelLoader,
    ChannelIdsByLocationLoader,
    LocationByIdLoader,
    StockLevelByVariantLocationLoader,
    StockLevelsByVariantLoader,
)
from schema.members.loaders import (
    AddressByIdLoader,
    AddressesByMemberLoader,
    PointsCountByMemberLoader,
    PointsPageByMemberLoader,
    TagsByMemberLoader,
)
from schema.orders.loaders import (
    AllocationsByOrderLoader,
    CartByTokenLoader,
    CartLinesByCartLoader,
    EventsByOrderLoader,
    FulfilmentByIdLoader,
    FulfilmentsByOrderLoader,
    LocationIdsByOrderLoader,
    OrderByTokenLoader,
    OrderCountByMemberLoader,
    OrderCountByMemberLocationLoader,
    OrderLinesByOrderLoader,
    OrderPageByMemberLoader,
    OrderPageByMemberLocationLoader,
    PaymentsByOrderLoader,
    SellablePriceByVariantChannelLoader,
)
from schema.payments.loaders import TransactionByIdLoader, TransactionsByOrderLoader
from schema.promotions.loaders import (
    CatalogueFactsByVariantLoader,
    CouponByCodeLoader,
    CouponCountByMemberLoader,
    CouponPageByMemberLoader,
    CouponRowByCodeLoader,
    CouponRowByIdLoader,
    CouponTemplateByIdLoader,
    MemberFactsByMemberPromotionsLoader,
    PromotionByIdLoader,
    RunningPromotionsByMomentLoader,
)
from schema.settlement.loaders import (
    EntriesByOrderLoader,
    EntryCountByStatementLoader,
    EntryPageByStatementLoader,
    PartyByIdLoader,
    RuleByIdLoader,
    StatementByIdLoader,
)

L = TypeVar("L", bound=BatchLoader[Any, Any])


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
    """One request's loaders. An attribute names what a resolver asks for; its class, the thing
    loaded and the key (`<Thing>By<Key>Loader`)."""

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
    media_by_product = _PerRequest(MediaByProductLoader)
    media_by_variant = _PerRequest(MediaByVariantLoader)
    media_by_id = _PerRequest(MediaByIdLoader)
    attributes_by_variant = _PerRequest(AttributesByVariantLoader)
    variants_in_channel = _PerRequest(VariantsByProductChannelLoader)
    product_listing = _PerRequest(ProductListingByProductChannelLoader)
    variant_listing = _PerRequest(VariantListingByVariantChannelLoader)
    location_by_id = _PerRequest(LocationByIdLoader)
    channel_ids_by_location = _PerRequest(ChannelIdsByLocationLoader)
    stock_levels_by_variant = _PerRequest(StockLevelsByVariantLoader)
    stock_level = _PerRequest(StockLevelByVariantLocationLoader)
    available_by_variant = _PerRequest(AvailableByVariantChannelLoader)
    app_by_id = _PerRequest(AppByIdLoader)
    webhook_by_id = _PerRequest(WebhookByIdLoader)
    delivery_by_id = _PerRequest(DeliveryByIdLoader)
    webhook_deliveries = _PerRequest(DeliveryPageByWebhookLoader)
    delivery_count_by_webhook = _PerRequest(DeliveryCountByWebhookLoader)
    member_by_id = _PerRequest(MemberByIdLoader)
    staff_by_id = _PerRequest(StaffByIdLoader)
    identities_by_member = _PerRequest(IdentitiesByMemberLoader)
    tags_by_member = _PerRequest(TagsByMemberLoader)
    addresses_by_member = _PerRequest(AddressesByMemberLoader)
    address_by_id = _PerRequest(AddressByIdLoader)
    points_history = _PerRequest(PointsPageByMemberLoader)
    points_count_by_member = _PerRequest(PointsCountByMemberLoader)
    sellable_price = _PerRequest(SellablePriceByVariantChannelLoader)
    cart_by_token = _PerRequest(CartByTokenLoader)
    cart_lines = _PerRequest(CartLinesByCartLoader)
    order_by_token = _PerRequest(OrderByTokenLoader)
    party_by_id = _PerRequest(PartyByIdLoader)
    rule_by_id = _PerRequest(RuleByIdLoader)
    statement_by_id = _PerRequest(StatementByIdLoader)
    statement_entries = _PerRequest(EntryPageByStatementLoader)
    entry_count_by_statement = _PerRequest(EntryCountByStatementLoader)
    entries_by_order = _PerRequest(EntriesByOrderLoader)
    order_lines = _PerRequest(OrderLinesByOrderLoader)
    payments_by_order = _PerRequest(PaymentsByOrderLoader)
    events_by_order = _PerRequest(EventsByOrderLoader)
    member_orders = _PerRequest(OrderPageByMemberLoader)
    order_count_by_member = _PerRequest(OrderCountByMemberLoader)
    member_orders_at = _PerRequest(OrderPageByMemberLocationLoader)
    order_count_by_member_at = _PerRequest(OrderCountByMemberLocationLoader)
    order_locations = _PerRequest(LocationIdsByOrderLoader)
    fulfilments_by_order = _PerRequest(FulfilmentsByOrderLoader)
    allocations_by_order = _PerRequest(AllocationsByOrderLoader)
    fulfilment_by_id = _PerRequest(FulfilmentByIdLoader)
    transactions_by_order = _PerRequest(TransactionsByOrderLoader)
    transaction_by_id = _PerRequest(TransactionByIdLoader)
    running_promotions = _PerRequest(RunningPromotionsByMomentLoader)
    catalogue_facts = _PerRequest(CatalogueFactsByVariantLoader)
    member_facts = _PerRequest(MemberFactsByMemberPromotionsLoader)
    coupon_by_code = _PerRequest(CouponByCodeLoader)
    coupon_row_by_code = _PerRequest(CouponRowByCodeLoader)
    coupon_row_by_id = _PerRequest(CouponRowByIdLoader)
    member_coupons = _PerRequest(CouponPageByMemberLoader)
    coupon_count_by_member = _PerRequest(CouponCountByMemberLoader)
    promotion_by_id = _PerRequest(PromotionByIdLoader)
    coupon_template_by_id = _PerRequest(CouponTemplateByIdLoader)

    def clear(self) -> None:
        for loader in vars(self).values():
            if isinstance(loader, BatchLoader):
                loader.clear_all()
