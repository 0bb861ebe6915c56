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
from db import member_queries as mq
from db.models import Category, Channel, Member, Product, ProductVariant, StaffUser

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


class ProductBySlugLoader(_Loader):
    fetch = staticmethod(cq.products_by_slugs)


class VariantByIdLoader(_Loader):
    fetch = staticmethod(_by_id(ProductVariant))


class VariantsByProductLoader(_Loader):
    fetch = staticmethod(cq.variants_by_product_ids)
    missing: ClassVar[Any] = ()


class ProductListingByProductChannelLoader(_Loader):
    """Key (product id, channel id)."""
    fetch = staticmethod(cq.product_listings)


class VariantListingByVariantChannelLoader(_Loader):
    """Key (variant id, channel id)."""
    fetch = staticmethod(cq.variant_listings)


class MemberByIdLoader(_Loader):
    fetch = staticmethod(_by_id(Member))


class StaffByIdLoader(_Loader):
    fetch = staticmethod(_by_id(StaffUser))


class IdentitiesByMemberLoader(_Loader):
    fetch = staticmethod(mq.identities_by_member_ids)
    missing: ClassVar[Any] = ()


class Loaders:
    def __init__(self, session: AsyncSession) -> None:
        self.channel_by_slug = ChannelBySlugLoader(session)
        self.channel_by_id = ChannelByIdLoader(session)
        self.category_by_id = CategoryByIdLoader(session)
        self.category_by_slug = CategoryBySlugLoader(session)
        self.children_by_category = ChildrenByCategoryLoader(session)
        self.published_by_product = PublishedByProductLoader(session)
        self.product_by_id = ProductByIdLoader(session)
        self.product_by_slug = ProductBySlugLoader(session)
        self.variant_by_id = VariantByIdLoader(session)
        self.variants_by_product = VariantsByProductLoader(session)
        self.product_listing = ProductListingByProductChannelLoader(session)
        self.variant_listing = VariantListingByVariantChannelLoader(session)
        self.member_by_id = MemberByIdLoader(session)
        self.staff_by_id = StaffByIdLoader(session)
        self.identities_by_member = IdentitiesByMemberLoader(session)

    def clear(self) -> None:
        for loader in vars(self).values():
            loader.clear_all()
