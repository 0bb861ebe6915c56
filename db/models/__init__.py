"""Every table, imported here so `Base.metadata` is complete (Alembic and tests rely on it)."""

from db.models.accounts import Member, MemberIdentity, RefreshToken, StaffUser
from db.models.base import Base
from db.models.catalog import Category, Product, ProductChannelListing, ProductVariant, VariantChannelListing
from db.models.channels import Channel

__all__ = [
    "Base", "Category", "Channel", "Member", "MemberIdentity", "Product", "ProductChannelListing",
    "ProductVariant", "RefreshToken", "StaffUser", "VariantChannelListing",
]
