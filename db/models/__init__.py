"""Every table, imported here so `Base.metadata` is complete (Alembic and tests rely on it)."""

from db.models.accounts import Member, MemberIdentity, RefreshToken, StaffUser
from db.models.base import Base
from db.models.catalog import Category, Product, ProductChannelListing, ProductVariant, VariantChannelListing
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
from db.models.promotions import Coupon, CouponTemplate, Promotion, PromotionUse

# Indexes that migrations create on PostgreSQL only and the models cannot declare (expression
# indexes with an operator class of an extension): schema comparisons leave them out.
DATABASE_ONLY_INDEXES = frozenset({"ix_products_name_trgm"})  # products(search:), migration 0008


def in_models(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's `include_object` for comparing the database with the models."""
    return not (type_ == "index" and reflected and name in DATABASE_ONLY_INDEXES)


__all__ = [
    "DATABASE_ONLY_INDEXES",
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
    "Payment",
    "PointsEntry",
    "Product",
    "ProductChannelListing",
    "ProductVariant",
    "Promotion",
    "PromotionUse",
    "RefreshToken",
    "StaffUser",
    "StockLevel",
    "StockTransfer",
    "VariantChannelListing",
    "in_models",
]
