"""Use cases for staff catalogue administration: products, variants and channel listings.

Also the storage interface every catalogue use case needs (`CatalogRepository`, reached as
`uow.catalog`) and the input-checking helpers they share; channels and categories are in
`domain.catalog.structure_services`, the commands in `domain.catalog.commands`.

Each use case takes a unit of work and a plain command, and writes typed change records
(`domain.catalog.changes`). Every input error is collected and raised together (`raise_all`);
the caller owns the transaction, so a refused command leaves nothing written. Field paths
name the GraphQL argument at fault: `["id"]` or `["input", "<field>"]`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ParamSpec, Protocol, TypeVar

from domain.catalog import model
from domain.catalog.changes import CategoryChanges, ChannelChanges, ProductChanges, VariantChanges
from domain.catalog.commands import (
    KEEP,
    Keep,
    ListingUpdate,
    PriceSet,
    ProductCreate,
    ProductUpdate,
    VariantCreate,
    VariantUpdate,
)
from domain.catalog.model import PriceRange
from domain.errors import Code, DomainError, input_field, raise_all
from domain.money import parse_amount

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    id: int
    slug: str
    currency: str
    is_default: bool
    is_active: bool


class CatalogRepository(Protocol):
    # Channels. `channel` holds the row until the transaction ends (currency changes and price
    # changes of one channel take turns); `channel_by_slug` holds it shared.
    async def channel(self, channel_id: int) -> ChannelInfo | None: ...
    async def channel_by_slug(self, slug: str) -> ChannelInfo | None: ...
    async def default_channel_id(self) -> int | None: ...
    async def channel_slug_taken(self, slug: str, other_than: int | None = None) -> bool: ...
    async def channel_has_prices(self, channel_id: int) -> bool: ...
    async def clear_default_channel(self) -> None: ...
    async def add_channel(self, new: ChannelChanges) -> int: ...
    async def update_channel(self, channel_id: int, changes: ChannelChanges) -> None: ...

    # Categories. `category_lineage` maps each category from `new_parent_id` up to the root to
    # its parent, holding those rows and the moving one so concurrent moves cannot make a loop.
    async def category_exists(self, category_id: int) -> bool: ...
    async def category_slug_taken(self, slug: str, other_than: int | None = None) -> bool: ...
    async def category_lineage(self, category_id: int, new_parent_id: int) -> dict[int, int | None]: ...
    async def category_usage(self, category_id: int) -> tuple[bool, bool]: ...  # (children, products)
    async def add_category(self, new: CategoryChanges) -> int: ...
    async def update_category(self, category_id: int, changes: CategoryChanges) -> None: ...
    async def delete_category(self, category_id: int) -> None: ...

    # Products and variants.
    async def product_exists(self, product_id: int) -> bool: ...
    async def product_slug_taken(self, slug: str, other_than: int | None = None) -> bool: ...
    async def add_product(self, new: ProductChanges) -> int: ...
    async def update_product(self, product_id: int, changes: ProductChanges) -> None: ...
    async def delete_product(self, product_id: int) -> None: ...
    async def variant_product_id(self, variant_id: int) -> int | None: ...
    async def sku_taken(self, sku: str, other_than: int | None = None) -> bool: ...
    async def add_variant(self, new: VariantChanges) -> int: ...
    async def update_variant(self, variant_id: int, changes: VariantChanges) -> None: ...
    async def variant_channel_ids(self, variant_id: int) -> list[int]: ...
    async def delete_variant(self, variant_id: int) -> None: ...

    # Listings. `hold_product_listing` creates the product's listing (unpublished) when missing
    # and holds it, so concurrent recomputations of one product's price range take turns.
    async def set_published(self, product_id: int, channel_id: int, is_published: bool) -> None: ...
    async def hold_product_listing(self, product_id: int, channel_id: int) -> None: ...
    async def set_variant_price(self, variant_id: int, channel_id: int, price: Decimal | None) -> None: ...
    async def variant_prices(self, product_id: int, channel_id: int) -> list[Decimal]: ...
    async def set_price_range(self, product_id: int, channel_id: int, prices: PriceRange | None) -> None: ...


class CatalogUnitOfWork(Protocol):
    @property
    def catalog(self) -> CatalogRepository: ...


class InputErrors:
    """Collects input errors so that one answer names every bad field; `raise_any` raises them."""

    def __init__(self) -> None:
        self.items: list[DomainError] = []

    def add(self, code: Code, message: str, field: list[str]) -> None:
        self.items.append(DomainError(code, message, field))

    def value(self, rule: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        try:
            return rule(*args, **kwargs)
        except DomainError as e:
            self.items.append(e)
            return None

    def check(self, rule: Callable[P, None], *args: P.args, **kwargs: P.kwargs) -> bool:
        """Whether the rule accepts the input."""
        try:
            rule(*args, **kwargs)
        except DomainError as e:
            self.items.append(e)
            return False
        return True

    def or_keep(self, rule: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | Keep:
        """What the rule makes of the input, or KEEP when it refuses it (nothing is written then)."""
        try:
            return rule(*args, **kwargs)
        except DomainError as e:
            self.items.append(e)
            return KEEP

    async def unique(
        self,
        key: str,
        value: str | Keep,
        taken: Callable[[str, int | None], Awaitable[bool]],
        other_than: int | None = None,
    ) -> None:
        """DUPLICATE at input field `key` when another object has the (new) value."""
        if isinstance(value, str) and await taken(value, other_than):
            self.add(Code.DUPLICATE, f"The {key} '{value}' is already taken.", input_field(key))

    def raise_any(self) -> None:
        raise_all(self.items)


def name_and_slug(
    errors: InputErrors, name: str | None, slug: str | None, max_length: int, creating: bool
) -> tuple[str | Keep, str | Keep]:
    """Validate a name; a new object without a slug gets one made from its name."""
    new_name = KEEP if name is None else errors.or_keep(model.validate_text, name, input_field("name"), max_length)
    new_slug: str | Keep = KEEP
    if slug is not None or (creating and isinstance(new_name, str)):
        made_from = new_name if isinstance(new_name, str) else ""
        new_slug = errors.or_keep(model.slug_for, made_from, slug, input_field("slug"))
    return new_name, new_slug


async def free_slug(
    errors: InputErrors, slug: str | Keep, given: str | None, taken: Callable[[str, int | None], Awaitable[bool]]
) -> str | Keep:
    """A given slug must be free (DUPLICATE otherwise); one made from the name takes the first free of
    "tee", "tee-2", "tee-3"..., so a second product or category of the same name still gets a slug."""
    if given is not None or isinstance(slug, Keep):
        await errors.unique("slug", slug, taken)
        return slug
    candidate, n = slug, 1
    while await taken(candidate, None):
        n += 1
        candidate = model.numbered_slug(slug, n)
    return candidate


def not_found(what: str, field: list[str]) -> DomainError:
    return DomainError(Code.NOT_FOUND, f"No such {what}.", field)


# Products


async def _category(errors: InputErrors, repo: CatalogRepository, category_id: int | None) -> int | None:
    if category_id is not None and not await repo.category_exists(category_id):
        errors.add(Code.NOT_FOUND, "No such category.", input_field("categoryId"))
    return category_id


async def create_product(uow: CatalogUnitOfWork, cmd: ProductCreate) -> int:
    repo = uow.catalog
    errors = InputErrors()
    name, slug = name_and_slug(errors, cmd.name, cmd.slug, model.PRODUCT_NAME_MAX, creating=True)
    description = errors.or_keep(model.optional_text, cmd.description, input_field("description"))
    category_id = await _category(errors, repo, cmd.category_id)
    slug = await free_slug(errors, slug, cmd.slug, repo.product_slug_taken)
    errors.raise_any()
    return await repo.add_product(ProductChanges(name, slug, description, category_id))


async def update_product(uow: CatalogUnitOfWork, cmd: ProductUpdate) -> int:
    repo = uow.catalog
    if not await repo.product_exists(cmd.product_id):
        raise not_found("product", ["id"])
    errors = InputErrors()
    name, slug = name_and_slug(errors, cmd.name, cmd.slug, model.PRODUCT_NAME_MAX, creating=False)
    description: str | Keep | None = KEEP
    if cmd.description is not KEEP:
        description = errors.or_keep(model.optional_text, cmd.description, input_field("description"))
    category_id: int | Keep | None = KEEP
    if cmd.category_id is not KEEP:
        category_id = await _category(errors, repo, cmd.category_id)
    await errors.unique("slug", slug, repo.product_slug_taken, cmd.product_id)
    errors.raise_any()
    await repo.update_product(cmd.product_id, ProductChanges(name, slug, description, category_id))
    return cmd.product_id


async def delete_product(uow: CatalogUnitOfWork, product_id: int) -> None:
    """The product goes with its variants and listings."""
    if not await uow.catalog.product_exists(product_id):
        raise not_found("product", ["id"])
    await uow.catalog.delete_product(product_id)


# Variants


async def create_variant(uow: CatalogUnitOfWork, cmd: VariantCreate) -> int:
    repo = uow.catalog
    errors = InputErrors()
    if not await repo.product_exists(cmd.product_id):
        errors.add(Code.NOT_FOUND, "No such product.", input_field("productId"))
    sku = errors.or_keep(model.validate_sku, cmd.sku, input_field("sku"))
    name = errors.or_keep(model.validate_text, cmd.name, input_field("name"), model.VARIANT_NAME_MAX)
    await errors.unique("sku", sku, repo.sku_taken)
    errors.raise_any()
    return await repo.add_variant(VariantChanges(cmd.product_id, sku, name))


async def update_variant(uow: CatalogUnitOfWork, cmd: VariantUpdate) -> int:
    repo = uow.catalog
    if await repo.variant_product_id(cmd.variant_id) is None:
        raise not_found("variant", ["id"])
    errors = InputErrors()
    sku = KEEP if cmd.sku is None else errors.or_keep(model.validate_sku, cmd.sku, input_field("sku"))
    name: str | Keep = KEEP
    if cmd.name is not None:
        name = errors.or_keep(model.validate_text, cmd.name, input_field("name"), model.VARIANT_NAME_MAX)
    await errors.unique("sku", sku, repo.sku_taken, cmd.variant_id)
    errors.raise_any()
    await repo.update_variant(cmd.variant_id, VariantChanges(sku=sku, name=name))
    return cmd.variant_id


async def delete_variant(uow: CatalogUnitOfWork, variant_id: int) -> None:
    """The variant goes with its prices; its product's price ranges follow."""
    repo = uow.catalog
    product_id = await repo.variant_product_id(variant_id)
    if product_id is None:
        raise not_found("variant", ["id"])
    channel_ids = sorted(await repo.variant_channel_ids(variant_id))
    for channel_id in channel_ids:
        await repo.hold_product_listing(product_id, channel_id)
    await repo.delete_variant(variant_id)
    for channel_id in channel_ids:
        await _refresh_price_range(repo, product_id, channel_id)


# Channel listings


async def update_product_listing(uow: CatalogUnitOfWork, cmd: ListingUpdate) -> int:
    """Publish or unpublish a product in a channel."""
    repo = uow.catalog
    errors = InputErrors()
    if not await repo.product_exists(cmd.product_id):
        errors.items.append(not_found("product", ["id"]))
    channel = await repo.channel_by_slug(cmd.channel)
    if channel is None:
        errors.items.append(not_found("channel", input_field("channel")))
    errors.raise_any()
    assert channel is not None
    await repo.set_published(cmd.product_id, channel.id, cmd.is_published)
    return cmd.product_id


async def set_variant_price(uow: CatalogUnitOfWork, cmd: PriceSet) -> int:
    """Price a variant in a channel (or stop selling it there) and keep the product's price range."""
    repo = uow.catalog
    errors = InputErrors()
    product_id = await repo.variant_product_id(cmd.variant_id)
    if product_id is None:
        errors.items.append(not_found("variant", ["id"]))
    channel = await repo.channel_by_slug(cmd.channel)
    if channel is None:
        errors.items.append(not_found("channel", input_field("channel")))
    price = None
    if channel is not None and cmd.price is not None:
        price = errors.value(parse_amount, cmd.price, channel.currency, input_field("price"))
    errors.raise_any()
    assert product_id is not None and channel is not None
    await repo.hold_product_listing(product_id, channel.id)
    await repo.set_variant_price(cmd.variant_id, channel.id, price)
    await _refresh_price_range(repo, product_id, channel.id)
    return cmd.variant_id


async def _refresh_price_range(repo: CatalogRepository, product_id: int, channel_id: int) -> None:
    prices = await repo.variant_prices(product_id, channel_id)
    await repo.set_price_range(product_id, channel_id, model.price_range(prices))
