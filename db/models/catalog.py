"""Catalogue tables: categories (a tree), products, variants and per-channel listings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Amount, BigIntPK, UtcDateTime
from domain.clock import system_clock


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        # Keyset pagination keys for the storefront sorts.
        sa.Index("ix_products_name_id", "name", "id"),
        sa.Index("ix_products_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(250))
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock, onupdate=system_clock)


class ProductVariant(Base):
    __tablename__ = "product_variants"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(250))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class ProductChannelListing(Base):
    """Whether a product is published in a channel, with its price range there (denormalised
    from the variant listings so lists filter and sort by price on an index)."""

    __tablename__ = "product_channel_listings"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "channel_id"),
        sa.Index("ix_product_channel_listings_channel_price", "channel_id", "min_price", "product_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    is_published: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    min_price: Mapped[Decimal | None] = mapped_column(Amount)
    max_price: Mapped[Decimal | None] = mapped_column(Amount)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock, onupdate=system_clock)


class VariantChannelListing(Base):
    """A variant's price in a channel, in the channel's currency."""

    __tablename__ = "variant_channel_listings"
    __table_args__ = (
        sa.UniqueConstraint("variant_id", "channel_id"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    price: Mapped[Decimal] = mapped_column(Amount)


class ProductMedia(Base):
    """An image of a product (and optionally of one variant): an address elsewhere (`url`) or a file
    in the media storage (`storage_key`, with what the upload showed), in the product's order."""

    __tablename__ = "product_media"
    __table_args__ = (
        sa.Index("ix_product_media_product_id_sort_order_id", "product_id", "sort_order", "id"),
        sa.CheckConstraint("(url IS NULL) <> (storage_key IS NULL)", name="url_or_storage_key"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    variant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_variants.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    storage_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    alt: Mapped[str] = mapped_column(sa.String(500))
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0)
    content_type: Mapped[str | None] = mapped_column(sa.String(50))
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)
    size_bytes: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class VariantAttribute(Base):
    """A variant's colour, size or other attribute (domain/catalog/attributes.py); the product id is
    kept beside it so a product list filters on one index."""

    __tablename__ = "variant_attributes"
    __table_args__ = (
        sa.UniqueConstraint("variant_id", "name"),
        sa.Index("ix_variant_attributes_name_value_product_id", "name", "value", "product_id"),
        sa.Index("ix_variant_attributes_product_id", "product_id"),  # a product's attributes (search, delete)
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(30))
    value: Mapped[str] = mapped_column(sa.String(100))


class PublishedProductCount(Base):
    """How many products each channel publishes, kept as changes (migration 0028): triggers on
    `product_channel_listings` add a row of +n or -n in the transaction of every write that publishes,
    unpublishes, moves or deletes listings, and db/published_counts.py folds them into a row per
    channel. A storefront's unfiltered `totalCount` is their sum, a row or a few whatever the catalogue's
    size, where counting the listings grew with it (4.5 ms at 100,000, even from an index). Writers
    only ever insert here, so publishing in one channel never waits for another transaction's count."""

    __tablename__ = "published_product_counts"
    __table_args__ = (sa.Index("ix_published_product_counts_channel_id_delta", "channel_id", "delta"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # No foreign key: deleting a channel deletes its listings, whose triggers write here as it goes.
    channel_id: Mapped[int] = mapped_column(sa.BigInteger)
    delta: Mapped[int] = mapped_column(sa.BigInteger)
