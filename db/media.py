"""Product media in SQL: the repository of the media use cases (domain/catalog/media_services.py)
and the batch read of the images that `Product.media` and `ProductVariant.media` show."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Product, ProductMedia, ProductVariant
from db.sql import AnySelect, any_of, core_rows, dialect_name, in_parameter
from domain.catalog.media_services import NewMedia, StoredMedia
from domain.errors import Code, DomainError

# What the graph shows of an image: plain rows, not ORM objects (a page lists many).
MEDIA_COLUMNS = (
    ProductMedia.id,
    ProductMedia.product_id,
    ProductMedia.variant_id,
    ProductMedia.url,
    ProductMedia.storage_key,
    ProductMedia.alt,
    ProductMedia.sort_order,
    ProductMedia.width,
    ProductMedia.height,
)
_ORDER = (ProductMedia.product_id, ProductMedia.sort_order, ProductMedia.id)


@functools.cache
def _media_statement(dialect: str, by_variant: bool) -> AnySelect:
    """Parameter `ids`: the products' (or variants') images in their order. Built once, run without
    the ORM's execution layer (a page reads the images of every product on it)."""
    owner = ProductMedia.variant_id if by_variant else ProductMedia.product_id
    return sa.select(*MEDIA_COLUMNS).where(in_parameter(dialect, owner, "ids")).order_by(*_ORDER)


async def _media_by(session: AsyncSession, ids: Sequence[int], by_variant: bool) -> dict[int, list[Any]]:
    rows = await core_rows(session, _media_statement(dialect_name(session), by_variant), {"ids": list(ids)})
    grouped: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        grouped[r.variant_id if by_variant else r.product_id].append(r)
    return grouped


async def media_by_product_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each product's images in their order, in one statement."""
    return await _media_by(session, ids, by_variant=False)


async def media_by_variant_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[Any]]:
    """Each variant's own images in their product's order, in one statement."""
    return await _media_by(session, ids, by_variant=True)


async def media_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Any]:
    rows = (await session.execute(sa.select(*MEDIA_COLUMNS).where(any_of(session, ProductMedia.id, ids)))).all()
    return {r.id: r for r in rows}


class SqlMediaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def product_exists(self, product_id: int) -> bool:
        return bool(await self.session.scalar(sa.select(sa.exists().where(Product.id == product_id))))

    async def variant_product(self, variant_id: int) -> int | None:
        found: int | None = await self.session.scalar(
            sa.select(ProductVariant.product_id).where(ProductVariant.id == variant_id)
        )
        return found

    async def media(self, media_id: int) -> StoredMedia | None:
        row = (
            await self.session.execute(
                sa.select(ProductMedia.id, ProductMedia.product_id, ProductMedia.storage_key).where(
                    ProductMedia.id == media_id
                )
            )
        ).first()
        return StoredMedia(row.id, row.product_id, row.storage_key) if row else None

    async def media_ids(self, product_id: int) -> list[int]:
        rows = await self.session.scalars(
            sa.select(ProductMedia.id)
            .where(ProductMedia.product_id == product_id)
            .order_by(ProductMedia.sort_order, ProductMedia.id)
        )
        return list(rows)

    async def add_media(self, new: NewMedia) -> int:
        last = sa.select(sa.func.coalesce(sa.func.max(ProductMedia.sort_order) + 1, 0)).where(
            ProductMedia.product_id == new.product_id
        )
        stmt = (
            sa.insert(ProductMedia)
            .values(
                product_id=new.product_id,
                variant_id=new.variant_id,
                url=new.url,
                storage_key=new.key,
                alt=new.alt,
                sort_order=last.scalar_subquery(),
                content_type=new.content_type,
                width=new.width,
                height=new.height,
                size_bytes=new.size_bytes,
            )
            .returning(ProductMedia.id)
        )
        try:
            media_id: int = (await self.session.execute(stmt)).scalar_one()
        except IntegrityError as e:  # the product or variant was deleted meanwhile
            raise DomainError(Code.NOT_FOUND, "The product no longer exists.", ["productId"]) from e
        return media_id

    async def set_alt(self, media_id: int, alt: str) -> None:
        await self.session.execute(sa.update(ProductMedia).where(ProductMedia.id == media_id).values(alt=alt))

    async def set_order(self, product_id: int, media_ids: list[int]) -> None:
        if not media_ids:
            return
        position = sa.case({m: i for i, m in enumerate(media_ids)}, value=ProductMedia.id, else_=len(media_ids))
        await self.session.execute(
            sa.update(ProductMedia).where(ProductMedia.product_id == product_id).values(sort_order=position)
        )

    async def delete_media(self, media_id: int) -> None:
        await self.session.execute(sa.delete(ProductMedia).where(ProductMedia.id == media_id))
