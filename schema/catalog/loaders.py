"""The catalogue's dataloaders: categories, products, variants and their channel listings.

Category and variant lists load plain rows (what the graph shows, not ORM objects): a page holds
hundreds of them and nothing writes through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db import catalog_queries as cq
from db import media as mq
from db import variant_attributes as va
from db.models import Category, Product, ProductVariant
from schema.batch_loader import BatchLoader, OptionalLoader, by_id


class CategoryByIdLoader(OptionalLoader[int, Any]):
    """Category rows (id, parent_id, name, slug, description): what the graph shows of a category."""

    fetch = staticmethod(cq.categories_by_ids)


class CategoryBySlugLoader(OptionalLoader[str, Category]):
    fetch = staticmethod(cq.categories_by_slugs)


class ChildrenByCategoryLoader(BatchLoader[int, Sequence[Category]]):
    fetch = staticmethod(cq.children_by_category_ids)
    missing = ()


class ProductByIdLoader(OptionalLoader[int, Product]):
    fetch = staticmethod(by_id(Product))


class PublishedByProductLoader(BatchLoader[int, bool]):
    """True when the product is published in some active channel."""

    fetch = staticmethod(cq.published_product_ids)
    missing = False


class VariantByIdLoader(OptionalLoader[int, ProductVariant]):
    fetch = staticmethod(by_id(ProductVariant))


class VariantsByProductLoader(BatchLoader[int, Sequence[Any]]):
    """Variant rows (id, product_id, sku, name)."""

    fetch = staticmethod(cq.variants_by_product_ids)
    missing = ()


class VariantsByProductChannelLoader(BatchLoader[tuple[int, int], Sequence[Any]]):
    """Key (product id, channel id): the variant rows with their price and available units there."""

    fetch = staticmethod(cq.variants_in_channel)
    missing = ()


class ProductListingByProductChannelLoader(OptionalLoader[tuple[int, int], cq.Listing]):
    """Key (product id, channel id)."""

    fetch = staticmethod(cq.product_listings)


class VariantListingByVariantChannelLoader(OptionalLoader[tuple[int, int], Any]):
    """Key (variant id, channel id): a row of (variant_id, channel_id, price)."""

    fetch = staticmethod(cq.variant_listings)


class MediaByProductLoader(BatchLoader[int, Sequence[Any]]):
    """A product's images in their order (rows of `db.media.MEDIA_COLUMNS`)."""

    fetch = staticmethod(mq.media_by_product_ids)
    missing = ()


class MediaByVariantLoader(BatchLoader[int, Sequence[Any]]):
    """A variant's own images, in their product's order."""

    fetch = staticmethod(mq.media_by_variant_ids)
    missing = ()


class MediaByIdLoader(OptionalLoader[int, Any]):
    fetch = staticmethod(mq.media_by_ids)


class AttributesByVariantLoader(BatchLoader[int, Sequence[Any]]):
    """A variant's attributes (rows of variant_id, name, value), by name."""

    fetch = staticmethod(va.attributes_by_variant_ids)
    missing = ()
