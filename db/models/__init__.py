"""Every table, imported here so `Base.metadata` is complete (Alembic and tests rely on it)."""

from db.models.accounts import Member, MemberIdentity, RefreshToken, StaffUser
from db.models.base import Base
from db.models.catalog import (
    Category,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductVariant,
    PublishedProductCount,
    VariantAttribute,
    VariantChannelListing,
)
from db.models.channels import Channel
from db.models.inventory import ChannelLocation, InventoryMovement, Location, StockLevel, StockTransfer
from db.models.members import App, MemberAddress, MemberTag, PointsEntry
from db.models.orders import (
    Cart,
    CartLine,
    Fulfilment,
    Order,
    OrderAllocation,
    OrderEvent,
    OrderLine,
    OrderLocation,
    Payment,
)
from db.models.outbox import OutboxEvent
from db.models.payments import Transaction, TransactionEvent
from db.models.promotions import Coupon, CouponTemplate, Promotion, PromotionUse
from db.models.reports import (
    ReportCategoryOrdersDaily,
    ReportMemberOrdersDaily,
    ReportOrdersDaily,
    ReportProductMonthly,
    ReportProductSpan,
    ReportSalesDaily,
    ReportWatermark,
)
from db.models.settlement import Party, SettlementEntry, SettlementRule, SettlementStatement
from db.models.webhooks import Webhook, WebhookAttempt, WebhookDelivery, WebhookSubscriptions

# What migration 0012 creates for products(search:) and the models cannot declare (a table written
# by triggers: on PostgreSQL with a trigram index of an extension, on SQLite an FTS5 table and its
# shadow tables): schema comparisons leave them out.
DATABASE_ONLY_TABLES = frozenset(
    {"product_search", *(f"product_search_{part}" for part in ("data", "idx", "content", "docsize", "config"))}
)
DATABASE_ONLY_INDEXES = frozenset({"ix_product_search_body_trgm"})  # PostgreSQL only


def in_models(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's `include_object` for comparing the database with the models."""
    return not (reflected and name in (DATABASE_ONLY_TABLES if type_ == "table" else DATABASE_ONLY_INDEXES))


__all__ = [
    "DATABASE_ONLY_INDEXES",
    "DATABASE_ONLY_TABLES",
    "App",
    "Base",
    "Cart",
    "CartLine",
    "Category",
    "Channel",
    "ChannelLocation",
    "Coupon",
    "CouponTemplate",
    "Fulfilment",
    "InventoryMovement",
    "Location",
    "Member",
    "MemberAddress",
    "MemberIdentity",
    "MemberTag",
    "Order",
    "OrderAllocation",
    "OrderEvent",
    "OrderLine",
    "OrderLocation",
    "OutboxEvent",
    "Party",
    "Payment",
    "PointsEntry",
    "Product",
    "ProductChannelListing",
    "ProductMedia",
    "ProductVariant",
    "Promotion",
    "PromotionUse",
    "PublishedProductCount",
    "RefreshToken",
    "ReportCategoryOrdersDaily",
    "ReportMemberOrdersDaily",
    "ReportOrdersDaily",
    "ReportProductMonthly",
    "ReportProductSpan",
    "ReportSalesDaily",
    "ReportWatermark",
    "SettlementEntry",
    "SettlementRule",
    "SettlementStatement",
    "StaffUser",
    "StockLevel",
    "StockTransfer",
    "Transaction",
    "TransactionEvent",
    "VariantAttribute",
    "VariantChannelListing",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscriptions",
    "in_models",
]
