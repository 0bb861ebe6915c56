"""Use cases for the catalogue's structure: sales channels and the category tree.

Same shape as `domain.catalog.services` (whose repository and helpers they share): validate
everything, report every bad field at once, then write a change record.
"""

from __future__ import annotations

from decimal import Decimal

from domain.catalog import model
from domain.catalog.changes import CategoryChanges, ChannelChanges
from domain.catalog.commands import (
    KEEP,
    CategoryCreate,
    CategoryUpdate,
    ChannelCreate,
    ChannelUpdate,
    Keep,
    ShippingRates,
    given,
)
from domain.catalog.services import CatalogUnitOfWork, InputErrors, free_slug, name_and_slug, not_found
from domain.errors import Code, input_field
from domain.money import parse_amount

# Channels


async def create_channel(uow: CatalogUnitOfWork, cmd: ChannelCreate) -> int:
    repo = uow.catalog
    errors = InputErrors()
    slug = errors.or_keep(model.validate_slug, cmd.slug.strip(), input_field("slug"))
    name = errors.or_keep(model.validate_text, cmd.name, input_field("name"), model.CHANNEL_NAME_MAX)
    currency = errors.or_keep(model.validate_currency, cmd.currency, input_field("currency"))
    # The first active channel becomes the default: clients that name none need one.
    is_default = cmd.is_default or (cmd.is_active and await repo.default_channel_id() is None)
    errors.check(model.check_channel_default, False, is_default, cmd.is_active)
    flat_rate, free_over = _shipping(errors, cmd.shipping, currency)
    await errors.unique("slug", slug, repo.channel_slug_taken)
    errors.raise_any()
    if is_default:
        await repo.clear_default_channel()
    return await repo.add_channel(
        ChannelChanges(
            slug, name, currency, cmd.kind, cmd.ownership, cmd.is_active, is_default, flat_rate, free_over, cmd.routing
        )
    )


def _shipping(
    errors: InputErrors, rates: ShippingRates | None, currency: str | Keep
) -> tuple[Decimal | Keep, Decimal | Keep | None]:
    """Amounts in the channel's currency (checked once the currency itself is valid); KEEP
    without rates."""
    if rates is None or isinstance(currency, Keep):
        return KEEP, KEEP
    at = input_field("shipping")
    flat_rate = errors.or_keep(parse_amount, rates.flat_rate, currency, [*at, "flatRate"])
    if rates.free_over is None:
        return flat_rate, None
    return flat_rate, errors.or_keep(parse_amount, rates.free_over, currency, [*at, "freeOver"])


async def update_channel(uow: CatalogUnitOfWork, cmd: ChannelUpdate) -> int:
    repo = uow.catalog
    current = await repo.channel(cmd.channel_id)
    if current is None:
        raise not_found("channel", ["id"])
    errors = InputErrors()
    slug = KEEP if cmd.slug is None else errors.or_keep(model.validate_slug, cmd.slug.strip(), input_field("slug"))
    name: str | Keep = KEEP
    if cmd.name is not None:
        name = errors.or_keep(model.validate_text, cmd.name, input_field("name"), model.CHANNEL_NAME_MAX)
    currency: str | Keep = KEEP
    if cmd.currency is not None:
        wanted = errors.value(model.validate_currency, cmd.currency, input_field("currency"))
        if wanted is not None and wanted != current.currency:
            has_prices = await repo.channel_has_prices(current.id)
            if errors.check(model.check_currency_change, current.currency, wanted, has_prices):
                currency = wanted
    flat_rate, free_over = _shipping(errors, cmd.shipping, current.currency if isinstance(currency, Keep) else currency)
    is_default = current.is_default if cmd.is_default is None else cmd.is_default
    errors.check(
        model.check_channel_default,
        current.is_default,
        is_default,
        current.is_active if cmd.is_active is None else cmd.is_active,
    )
    await errors.unique("slug", slug, repo.channel_slug_taken, current.id)
    errors.raise_any()
    if is_default and not current.is_default:
        await repo.clear_default_channel()
    changes = ChannelChanges(
        slug,
        name,
        currency,
        given(cmd.kind),
        given(cmd.ownership),
        given(cmd.is_active),
        given(cmd.is_default),
        flat_rate,
        free_over,
        given(cmd.routing),
    )
    await repo.update_channel(current.id, changes)
    return current.id


# Categories


async def create_category(uow: CatalogUnitOfWork, cmd: CategoryCreate) -> int:
    repo = uow.catalog
    errors = InputErrors()
    name, slug = name_and_slug(errors, cmd.name, cmd.slug, model.CATEGORY_NAME_MAX, creating=True)
    description = errors.or_keep(model.optional_text, cmd.description, input_field("description"))
    if cmd.parent_id is not None and not await repo.category_exists(cmd.parent_id):
        errors.add(Code.NOT_FOUND, "No such parent category.", input_field("parentId"))
    slug = await free_slug(errors, slug, cmd.slug, repo.category_slug_taken)
    errors.raise_any()
    return await repo.add_category(CategoryChanges(name, slug, description, cmd.parent_id))


async def update_category(uow: CatalogUnitOfWork, cmd: CategoryUpdate) -> int:
    repo = uow.catalog
    if not await repo.category_exists(cmd.category_id):
        raise not_found("category", ["id"])
    errors = InputErrors()
    name, slug = name_and_slug(errors, cmd.name, cmd.slug, model.CATEGORY_NAME_MAX, creating=False)
    description: str | Keep | None = KEEP
    if cmd.description is not KEEP:
        description = errors.or_keep(model.optional_text, cmd.description, input_field("description"))
    parent_id: int | Keep | None = None if cmd.parent_id is None else KEEP
    if isinstance(cmd.parent_id, int):
        if not await repo.category_exists(cmd.parent_id):
            errors.add(Code.NOT_FOUND, "No such parent category.", input_field("parentId"))
        else:
            lineage = await repo.category_lineage(cmd.category_id, cmd.parent_id)
            if errors.check(model.check_category_move, cmd.category_id, cmd.parent_id, lineage):
                parent_id = cmd.parent_id
    await errors.unique("slug", slug, repo.category_slug_taken, cmd.category_id)
    errors.raise_any()
    await repo.update_category(cmd.category_id, CategoryChanges(name, slug, description, parent_id))
    return cmd.category_id


async def delete_category(uow: CatalogUnitOfWork, category_id: int) -> None:
    repo = uow.catalog
    if not await repo.category_exists(category_id):
        raise not_found("category", ["id"])
    model.check_category_removable(*await repo.category_usage(category_id))
    await repo.delete_category(category_id)
