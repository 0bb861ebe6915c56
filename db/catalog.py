"""Catalogue storage for staff administration: implements `domain.catalog.services.CatalogRepository`.

Channels, categories, products and variants are written through the ORM, so objects already
in the session's identity map stay current for the loaders that read the result back.
Listings are written with one upsert each (INSERT ... ON CONFLICT), so two staff pricing
variants of one new product never collide creating its listing. The use cases check
uniqueness and references first; a violation at flush means a concurrent request won a race
those checks could not see, and becomes the same coded `DomainError`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_events
from db.changes import columns
from db.models import Category, Channel, Product, ProductChannelListing, ProductVariant, VariantChannelListing
from domain.apps.webhooks import WebhookEventType
from domain.catalog.changes import CategoryChanges, ChannelChanges, ProductChanges, VariantChanges
from domain.catalog.model import PriceRange
from domain.catalog.services import ChannelInfo
from domain.clock import Clock, system_clock
from domain.errors import Code, DomainError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_CHANNEL_COLUMNS = (Channel.id, Channel.slug, Channel.currency, Channel.is_default, Channel.is_active)


def _conflict(error: IntegrityError, unique_key: str, reference_field: str | None = None) -> DomainError:
    """The coded error for a constraint a concurrent request made us violate."""
    text = str(error.orig).lower()
    if "is_default" in text or "uq_channels_default" in text:
        return DomainError(
            Code.DUPLICATE, "Another channel became the default at the same time; try again.", ["input", "isDefault"]
        )
    if "unique" in text or "duplicate key" in text:
        return DomainError(Code.DUPLICATE, f"The {unique_key} is already taken.", ["input", unique_key])
    if reference_field is not None:
        return DomainError(Code.NOT_FOUND, "The referenced object no longer exists.", ["input", reference_field])
    return DomainError(Code.IN_USE, "Other data still refers to this object.", ["id"])


class SqlCatalogRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    # Helpers

    async def _exists(self, *where: sa.ColumnElement[bool]) -> bool:
        return bool(await self.session.scalar(sa.select(sa.exists().where(*where))))

    async def _taken(self, column: Any, value: str, id_column: Any, other_than: int | None) -> bool:
        where = [column == value] + ([id_column != other_than] if other_than is not None else [])
        return await self._exists(*where)

    async def _add(self, row: Any, unique_key: str, reference_field: str | None = None) -> int:
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError as e:
            raise _conflict(e, unique_key, reference_field) from None
        key: int = row.id
        return key

    async def _update(
        self, model: Any, key: int, changes: DataclassInstance, unique_key: str, reference_field: str | None = None
    ) -> None:
        values = columns(changes)
        if not values:
            return
        row = await self.session.get(model, key, populate_existing=True)
        if row is None:  # deleted by a concurrent request since the use case looked
            raise DomainError(Code.NOT_FOUND, "It no longer exists.", ["id"])
        for name, value in values.items():
            setattr(row, name, value)
        try:
            await self.session.flush()
        except IntegrityError as e:
            raise _conflict(e, unique_key, reference_field) from None

    async def _delete(self, model: Any, key: int) -> None:
        try:
            await self.session.execute(sa.delete(model).where(model.id == key))
        except IntegrityError as e:
            raise _conflict(e, "id") from None

    async def _upsert(
        self, model: Any, keys: dict[str, int], insert: dict[str, object], update: dict[str, object]
    ) -> None:
        """Insert the row for `keys`, or update it; objects in the session are refreshed."""
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(model).values(**keys, **insert)
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=update).returning(model)
        try:
            result = await self.session.execute(stmt, execution_options={"populate_existing": True})
        except IntegrityError as e:  # the product, variant or channel was deleted meanwhile
            raise DomainError(Code.NOT_FOUND, "It no longer exists.", ["id"]) from e
        result.scalars().all()

    # Channels

    async def _channel(self, where: sa.ColumnElement[bool], *, shared: bool) -> ChannelInfo | None:
        row = (
            await self.session.execute(sa.select(*_CHANNEL_COLUMNS).where(where).with_for_update(read=shared))
        ).first()
        return ChannelInfo(row.id, row.slug, row.currency, row.is_default, row.is_active) if row else None

    async def channel(self, channel_id: int) -> ChannelInfo | None:
        return await self._channel(Channel.id == channel_id, shared=False)

    async def channel_by_slug(self, slug: str) -> ChannelInfo | None:
        return await self._channel(Channel.slug == slug, shared=True)

    async def default_channel_id(self) -> int | None:
        return await self.session.scalar(sa.select(Channel.id).where(Channel.is_default))

    async def channel_slug_taken(self, slug: str, other_than: int | None = None) -> bool:
        return await self._taken(Channel.slug, slug, Channel.id, other_than)

    async def channel_has_prices(self, channel_id: int) -> bool:
        return await self._exists(VariantChannelListing.channel_id == channel_id)

    async def clear_default_channel(self) -> None:
        await self.session.execute(sa.update(Channel).where(Channel.is_default).values(is_default=False))

    async def add_channel(self, new: ChannelChanges) -> int:
        return await self._add(Channel(**columns(new)), "slug")

    async def update_channel(self, channel_id: int, changes: ChannelChanges) -> None:
        await self._update(Channel, channel_id, changes, "slug")

    # Categories

    async def category_exists(self, category_id: int) -> bool:
        return await self._exists(Category.id == category_id)

    async def category_slug_taken(self, slug: str, other_than: int | None = None) -> bool:
        return await self._taken(Category.slug, slug, Category.id, other_than)

    async def _ancestry(self, category_id: int) -> dict[int, int | None]:
        start = sa.select(Category.id, Category.parent_id).where(Category.id == category_id)
        tree = start.cte("lineage", recursive=True)
        # UNION (not UNION ALL) stops even on a loop that should never exist.
        tree = tree.union(sa.select(Category.id, Category.parent_id).join(tree, Category.id == tree.c.parent_id))
        return {row.id: row.parent_id for row in await self.session.execute(sa.select(tree.c.id, tree.c.parent_id))}

    async def category_lineage(self, category_id: int, new_parent_id: int) -> dict[int, int | None]:
        lineage = await self._ancestry(new_parent_id)
        # Lock the moving category and the new parent's ancestors in key order (no deadlock between
        # two moves), then read the lineage again: a move that committed meanwhile is now visible.
        await self.session.execute(
            sa.select(Category.id)
            .where(Category.id.in_(sorted({category_id, *lineage})))
            .order_by(Category.id)
            .with_for_update()
        )
        return await self._ancestry(new_parent_id)

    async def category_usage(self, category_id: int) -> tuple[bool, bool]:
        row = (
            await self.session.execute(
                sa.select(
                    sa.exists().where(Category.parent_id == category_id),
                    sa.exists().where(Product.category_id == category_id),
                )
            )
        ).one()
        return bool(row[0]), bool(row[1])

    async def add_category(self, new: CategoryChanges) -> int:
        return await self._add(Category(**columns(new)), "slug", "parentId")

    async def update_category(self, category_id: int, changes: CategoryChanges) -> None:
        await self._update(Category, category_id, changes, "slug", "parentId")

    async def delete_category(self, category_id: int) -> None:
        await self._delete(Category, category_id)

    # Products and variants

    async def product_exists(self, product_id: int) -> bool:
        return await self._exists(Product.id == product_id)

    async def product_slug_taken(self, slug: str, other_than: int | None = None) -> bool:
        return await self._taken(Product.slug, slug, Product.id, other_than)

    async def add_product(self, new: ProductChanges) -> int:
        return await self._add(Product(**columns(new)), "slug", "categoryId")

    async def update_product(self, product_id: int, changes: ProductChanges) -> None:
        await self._update(Product, product_id, changes, "slug", "categoryId")
        await webhook_events.announce(self.session, WebhookEventType.PRODUCT_UPDATED, product_id, self.clock())

    async def delete_product(self, product_id: int) -> None:
        await self._delete(Product, product_id)  # variants and listings go by ON DELETE CASCADE

    async def variant_product_id(self, variant_id: int) -> int | None:
        return await self.session.scalar(sa.select(ProductVariant.product_id).where(ProductVariant.id == variant_id))

    async def sku_taken(self, sku: str, other_than: int | None = None) -> bool:
        return await self._taken(ProductVariant.sku, sku, ProductVariant.id, other_than)

    async def add_variant(self, new: VariantChanges) -> int:
        return await self._add(ProductVariant(**columns(new)), "sku", "productId")

    async def update_variant(self, variant_id: int, changes: VariantChanges) -> None:
        await self._update(ProductVariant, variant_id, changes, "sku")

    async def variant_channel_ids(self, variant_id: int) -> list[int]:
        return list(
            (
                await self.session.scalars(
                    sa.select(VariantChannelListing.channel_id).where(VariantChannelListing.variant_id == variant_id)
                )
            ).all()
        )

    async def delete_variant(self, variant_id: int) -> None:
        await self._delete(ProductVariant, variant_id)

    # Listings

    async def set_published(self, product_id: int, channel_id: int, is_published: bool) -> None:
        values: dict[str, object] = {"is_published": is_published, "updated_at": self.clock()}
        await self._upsert(ProductChannelListing, {"product_id": product_id, "channel_id": channel_id}, values, values)

    async def hold_product_listing(self, product_id: int, channel_id: int) -> None:
        # The no-op update still locks the row (PostgreSQL); SQLite writers take turns anyway.
        now = self.clock()
        await self._upsert(
            ProductChannelListing,
            {"product_id": product_id, "channel_id": channel_id},
            {"is_published": False, "updated_at": now},
            {"updated_at": now},
        )

    async def set_variant_price(self, variant_id: int, channel_id: int, price: Decimal | None) -> None:
        keys = {"variant_id": variant_id, "channel_id": channel_id}
        if price is None:
            await self.session.execute(
                sa.delete(VariantChannelListing).where(
                    VariantChannelListing.variant_id == variant_id, VariantChannelListing.channel_id == channel_id
                )
            )
        else:
            await self._upsert(VariantChannelListing, keys, {"price": price}, {"price": price})

    async def variant_prices(self, product_id: int, channel_id: int) -> list[Decimal]:
        return list(
            (
                await self.session.scalars(
                    sa.select(VariantChannelListing.price)
                    .join(ProductVariant, ProductVariant.id == VariantChannelListing.variant_id)
                    .where(ProductVariant.product_id == product_id, VariantChannelListing.channel_id == channel_id)
                )
            ).all()
        )

    async def set_price_range(self, product_id: int, channel_id: int, prices: PriceRange | None) -> None:
        await self.session.execute(
            sa.update(ProductChannelListing)
            .where(ProductChannelListing.product_id == product_id, ProductChannelListing.channel_id == channel_id)
            .values(
                min_price=prices.start if prices else None,
                max_price=prices.stop if prices else None,
                updated_at=self.clock(),
            )
        )
