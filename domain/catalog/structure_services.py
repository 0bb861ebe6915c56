"""Use cases for the catalogue's structure: sales channels and the category tree.

Same shape as `domain.catalog.services` (whose repository and helpers they share): validate
everything, report every bad field at once, then write.
"""

from __future__ import annotations

from domain.catalog import model
from domain.catalog.commands import KEEP, CategoryCreate, CategoryUpdate, ChannelCreate, ChannelUpdate, ShippingRates
from domain.catalog.services import CatalogUnitOfWork, InputErrors, Values, name_and_slug, not_found
from domain.errors import Code, input_field
from domain.money import parse_amount

# Channels


async def create_channel(uow: CatalogUnitOfWork, cmd: ChannelCreate) -> int:
    repo = uow.catalog
    errors = InputErrors()
    values: Values = {"kind": cmd.kind, "ownership": cmd.ownership, "is_active": cmd.is_active}
    errors.put(values, "slug", model.validate_slug, cmd.slug.strip(), input_field("slug"))
    errors.put(values, "name", model.validate_text, cmd.name, input_field("name"), model.CHANNEL_NAME_MAX)
    errors.put(values, "currency", model.validate_currency, cmd.currency, input_field("currency"))
    # The first active channel becomes the default: clients that name none need one.
    is_default = cmd.is_default or (cmd.is_active and await repo.default_channel_id() is None)
    errors.check(model.check_channel_default, False, is_default, cmd.is_active)
    if cmd.shipping is not None:
        _shipping(errors, values, cmd.shipping, values.get("currency"))
    await errors.unique(values, "slug", repo.channel_slug_taken)
    errors.raise_any()
    if is_default:
        await repo.clear_default_channel()
    return await repo.add_channel({**values, "is_default": is_default})


def _shipping(errors: InputErrors, values: Values, rates: ShippingRates, currency: object) -> None:
    """Amounts in the channel's currency (checked once the currency itself is valid)."""
    if not isinstance(currency, str):
        return
    errors.put(
        values, "shipping_flat_rate", parse_amount, rates.flat_rate, currency, input_field("shipping", "flatRate")
    )
    values["shipping_free_over"] = None
    if rates.free_over is not None:
        errors.put(
            values, "shipping_free_over", parse_amount, rates.free_over, currency, input_field("shipping", "freeOver")
        )


async def update_channel(uow: CatalogUnitOfWork, cmd: ChannelUpdate) -> int:
    repo = uow.catalog
    current = await repo.channel(cmd.channel_id)
    if current is None:
        raise not_found("channel", ["id"])
    errors = InputErrors()
    values: Values = {
        k: v
        for k, v in (
            ("kind", cmd.kind),
            ("ownership", cmd.ownership),
            ("is_active", cmd.is_active),
            ("is_default", cmd.is_default),
        )
        if v is not None
    }
    if cmd.slug is not None:
        errors.put(values, "slug", model.validate_slug, cmd.slug.strip(), input_field("slug"))
    if cmd.name is not None:
        errors.put(values, "name", model.validate_text, cmd.name, input_field("name"), model.CHANNEL_NAME_MAX)
    if cmd.currency is not None:
        currency = errors.value(model.validate_currency, cmd.currency, input_field("currency"))
        if currency is not None and currency != current.currency:
            has_prices = await repo.channel_has_prices(current.id)
            if errors.check(model.check_currency_change, current.currency, currency, has_prices):
                values["currency"] = currency
    if cmd.shipping is not None:
        _shipping(errors, values, cmd.shipping, values.get("currency", current.currency))
    is_default = current.is_default if cmd.is_default is None else cmd.is_default
    errors.check(
        model.check_channel_default,
        current.is_default,
        is_default,
        current.is_active if cmd.is_active is None else cmd.is_active,
    )
    await errors.unique(values, "slug", repo.channel_slug_taken, current.id)
    errors.raise_any()
    if is_default and not current.is_default:
        await repo.clear_default_channel()
    await repo.update_channel(current.id, values)
    return current.id


# Categories


async def create_category(uow: CatalogUnitOfWork, cmd: CategoryCreate) -> int:
    repo = uow.catalog
    errors = InputErrors()
    values: Values = {"parent_id": cmd.parent_id}
    name_and_slug(errors, values, cmd.name, cmd.slug, model.CATEGORY_NAME_MAX, creating=True)
    errors.put(values, "description", model.optional_text, cmd.description, input_field("description"))
    if cmd.parent_id is not None and not await repo.category_exists(cmd.parent_id):
        errors.add(Code.NOT_FOUND, "No such parent category.", input_field("parentId"))
    await errors.unique(values, "slug", repo.category_slug_taken)
    errors.raise_any()
    return await repo.add_category(values)


async def update_category(uow: CatalogUnitOfWork, cmd: CategoryUpdate) -> int:
    repo = uow.catalog
    if not await repo.category_exists(cmd.category_id):
        raise not_found("category", ["id"])
    errors = InputErrors()
    values: Values = {}
    name_and_slug(errors, values, cmd.name, cmd.slug, model.CATEGORY_NAME_MAX, creating=False)
    if cmd.description is not KEEP:
        errors.put(values, "description", model.optional_text, cmd.description, input_field("description"))
    if cmd.parent_id is None:
        values["parent_id"] = None
    elif cmd.parent_id is not KEEP:
        if not await repo.category_exists(cmd.parent_id):
            errors.add(Code.NOT_FOUND, "No such parent category.", input_field("parentId"))
        else:
            lineage = await repo.category_lineage(cmd.category_id, cmd.parent_id)
            if errors.check(model.check_category_move, cmd.category_id, cmd.parent_id, lineage):
                values["parent_id"] = cmd.parent_id
    await errors.unique(values, "slug", repo.category_slug_taken, cmd.category_id)
    errors.raise_any()
    await repo.update_category(cmd.category_id, values)
    return cmd.category_id


async def delete_category(uow: CatalogUnitOfWork, category_id: int) -> None:
    repo = uow.catalog
    if not await repo.category_exists(category_id):
        raise not_found("category", ["id"])
    model.check_category_removable(*await repo.category_usage(category_id))
    await repo.delete_category(category_id)
