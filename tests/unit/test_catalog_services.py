"""Catalogue administration use cases over an in-memory catalogue: every bad field is reported
at once, slugs and SKUs stay unique, and a product's price range follows its variants' prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest

from db.changes import columns
from domain.catalog.changes import ProductChanges, VariantChanges
from domain.catalog.commands import ListingUpdate, PriceSet, ProductCreate, ProductUpdate, VariantCreate
from domain.catalog.model import PriceRange
from domain.catalog.services import (
    CatalogUnitOfWork,
    ChannelInfo,
    create_product,
    create_variant,
    delete_variant,
    set_variant_price,
    update_product,
    update_product_listing,
)
from domain.errors import DomainError, DomainErrors

WEB = ChannelInfo(1, "web", "CNY", True, True)


class FakeCatalog:
    """The part of `CatalogRepository` the product, variant and listing use cases reach."""

    def __init__(self) -> None:
        self.products: dict[int, dict[str, object]] = {}  # stored as the SQL repository would store them
        self.variants: dict[int, dict[str, object]] = {}
        self.categories: set[int] = {3}
        self.prices: dict[tuple[int, int], Decimal] = {}  # (variant, channel) -> price
        self.listings: dict[tuple[int, int], dict[str, Any]] = {}  # (product, channel) -> published, range

    async def channel_by_slug(self, slug: str) -> ChannelInfo | None:
        return WEB if slug == WEB.slug else None

    async def category_exists(self, category_id: int) -> bool:
        return category_id in self.categories

    async def product_exists(self, product_id: int) -> bool:
        return product_id in self.products

    async def product_slug_taken(self, slug: str, other_than: int | None = None) -> bool:
        return any(p["slug"] == slug and i != other_than for i, p in self.products.items())

    async def add_product(self, new: ProductChanges) -> int:
        self.products[len(self.products) + 1] = columns(new)
        return len(self.products)

    async def update_product(self, product_id: int, changes: ProductChanges) -> None:
        self.products[product_id].update(columns(changes))

    async def variant_product_id(self, variant_id: int) -> int | None:
        found = self.variants.get(variant_id)
        return None if found is None else int(str(found["product_id"]))

    async def sku_taken(self, sku: str, other_than: int | None = None) -> bool:
        return any(v["sku"] == sku and i != other_than for i, v in self.variants.items())

    async def add_variant(self, new: VariantChanges) -> int:
        self.variants[len(self.variants) + 1] = columns(new)
        return len(self.variants)

    async def variant_channel_ids(self, variant_id: int) -> list[int]:
        return [c for v, c in self.prices if v == variant_id]

    async def delete_variant(self, variant_id: int) -> None:
        del self.variants[variant_id]
        self.prices = {k: p for k, p in self.prices.items() if k[0] != variant_id}

    async def set_published(self, product_id: int, channel_id: int, is_published: bool) -> None:
        self.listings.setdefault((product_id, channel_id), {"range": None})["published"] = is_published

    async def hold_product_listing(self, product_id: int, channel_id: int) -> None:
        self.listings.setdefault((product_id, channel_id), {"published": False, "range": None})

    async def set_variant_price(self, variant_id: int, channel_id: int, price: Decimal | None) -> None:
        if price is None:
            self.prices.pop((variant_id, channel_id), None)
        else:
            self.prices[(variant_id, channel_id)] = price

    async def variant_prices(self, product_id: int, channel_id: int) -> list[Decimal]:
        mine = {i for i, v in self.variants.items() if v["product_id"] == product_id}
        return [p for (v, c), p in self.prices.items() if v in mine and c == channel_id]

    async def set_price_range(self, product_id: int, channel_id: int, prices: PriceRange | None) -> None:
        self.listings[(product_id, channel_id)]["range"] = prices


class Uow:
    def __init__(self) -> None:
        self.catalog = FakeCatalog()

    @property
    def port(self) -> CatalogUnitOfWork:
        """This unit of work where a use case takes one: the fake leaves out the channel and
        category methods these use cases never call."""
        return cast(CatalogUnitOfWork, self)


async def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


async def test_a_new_product_without_a_slug_gets_one_from_its_name() -> None:
    uow = Uow()
    product_id = await create_product(uow.port, ProductCreate("Trail Runner 2", category_id=3))
    assert uow.catalog.products[product_id] == {
        "name": "Trail Runner 2",
        "slug": "trail-runner-2",
        "description": None,
        "category_id": 3,
    }


async def test_products_of_one_name_get_numbered_slugs_but_a_given_slug_must_be_free() -> None:
    uow = Uow()
    made = [await create_product(uow.port, ProductCreate("纯棉 T恤")) for _ in range(3)]
    assert [uow.catalog.products[i]["slug"] for i in made] == ["chun-mian-t-xu", "chun-mian-t-xu-2", "chun-mian-t-xu-3"]
    error = await refused(create_product(uow.port, ProductCreate("Tee", slug="chun-mian-t-xu-2")))
    assert (error.code, error.field) == ("DUPLICATE", ["input", "slug"])


async def test_every_bad_field_of_a_product_is_reported_at_once() -> None:
    uow = Uow()
    await create_product(uow.port, ProductCreate("Taken", slug="taken"))
    with pytest.raises(DomainErrors) as caught:
        await create_product(uow.port, ProductCreate("Other", slug="taken", category_id=99))
    assert sorted((e.code, e.field) for e in caught.value.errors) == [
        ("DUPLICATE", ["input", "slug"]),
        ("NOT_FOUND", ["input", "categoryId"]),
    ]
    assert len(uow.catalog.products) == 1


async def test_a_product_keeps_its_own_slug_on_update() -> None:
    uow = Uow()
    product_id = await create_product(uow.port, ProductCreate("Boots", slug="boots"))
    await update_product(uow.port, ProductUpdate(product_id, name="Winter boots", slug="boots"))
    assert uow.catalog.products[product_id]["name"] == "Winter boots"
    error = await refused(update_product(uow.port, ProductUpdate(99, name="x")))
    assert (error.code, error.field) == ("NOT_FOUND", ["id"])


async def test_a_sku_belongs_to_one_variant() -> None:
    uow = Uow()
    product_id = await create_product(uow.port, ProductCreate("Boots"))
    await create_variant(uow.port, VariantCreate(product_id, " BOOT-42 ", "42"))
    assert uow.catalog.variants[1]["sku"] == "BOOT-42"
    error = await refused(create_variant(uow.port, VariantCreate(product_id, "BOOT-42", "42 again")))
    assert (error.code, error.field) == ("DUPLICATE", ["input", "sku"])


async def test_the_price_range_follows_the_variants_priced_in_the_channel() -> None:
    uow = Uow()
    product_id = await create_product(uow.port, ProductCreate("Boots"))
    for size in ("41", "42"):
        await create_variant(uow.port, VariantCreate(product_id, f"BOOT-{size}", size))
    await set_variant_price(uow.port, PriceSet(1, "web", "89.90"))
    await set_variant_price(uow.port, PriceSet(2, "web", Decimal("99")))
    listing = uow.catalog.listings[(product_id, WEB.id)]
    assert listing == {"published": False, "range": PriceRange(Decimal("89.90"), Decimal("99.00"))}
    await set_variant_price(uow.port, PriceSet(1, "web", None))
    assert listing["range"] == PriceRange(Decimal("99.00"), Decimal("99.00"))
    await delete_variant(uow.port, 2)
    assert listing["range"] is None, "nothing priced: no range"


async def test_a_price_is_refused_with_every_fault_named() -> None:
    uow = Uow()
    with pytest.raises(DomainErrors) as caught:
        await set_variant_price(uow.port, PriceSet(1, "nowhere", "1"))
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("NOT_FOUND", ["id"]),
        ("NOT_FOUND", ["input", "channel"]),
    ]
    product_id = await create_product(uow.port, ProductCreate("Boots"))
    await create_variant(uow.port, VariantCreate(product_id, "BOOT-41", "41"))
    error = await refused(set_variant_price(uow.port, PriceSet(1, "web", "1.234")))
    assert (error.code, error.field) == ("INVALID", ["input", "price"])
    assert uow.catalog.prices == {}


async def test_a_listing_is_published_only_for_a_known_product_and_channel() -> None:
    uow = Uow()
    product_id = await create_product(uow.port, ProductCreate("Boots"))
    await update_product_listing(uow.port, ListingUpdate(product_id, "web", True))
    assert uow.catalog.listings[(product_id, WEB.id)]["published"] is True
    error = await refused(update_product_listing(uow.port, ListingUpdate(product_id, "nowhere", True)))
    assert (error.code, error.field) == ("NOT_FOUND", ["input", "channel"])
