"""The checkout's reads, in as few statements as the database allows, each built once (on this hot path
building a statement cost more CPU than running it).

On PostgreSQL the claim of the cart (its conditional UPDATE, in a CTE) returns the cart, its channel
and its lines with what the channel sells them at, in one statement. SQLite has no data-modifying
CTE and its RETURNING names only the updated table: there the claim returns the cart with its
channel's columns as subqueries, and the lines are a second statement.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from db.carts import CART_COLUMNS, CHANNEL_COLUMNS
from db.mappers import columns, part, prefixed
from db.models import Cart, CartLine, Channel, ChannelLocation, Location, Product, ProductVariant, StockLevel
from db.models import VariantChannelListing as Listing
from db.order_queries import sellable_statement
from db.sql import AnySelect, in_parameter
from domain.inventory.model import LocationType
from domain.orders.cart_rules import CartLineState, CartState, ChannelInfo
from domain.orders.checkout import Sellable

CART, CHANNEL, LINE, SOLD = "cart_", "channel_", "line_", "sold_"
Lines = tuple[list[CartLineState], dict[int, Sellable]]


def _sold() -> sa.Subquery:
    """What each channel sells, at what price and under which names (for the order lines)."""
    return (
        sellable_statement(
            Listing.channel_id,
            Listing.variant_id,
            Listing.price,
            ProductVariant.sku,
            Product.name.label("product_name"),
            ProductVariant.name.label("variant_name"),
        )
        .join(Product, Product.id == ProductVariant.product_id)
        .subquery("sold")
    )


def _line_columns(sold: sa.Subquery) -> tuple[sa.Label[Any], ...]:
    line = columns(id=CartLine.id, variant_id=CartLine.variant_id, quantity=CartLine.quantity)
    price = columns(
        variant_id=sold.c.variant_id,
        price=sold.c.price,
        sku=sold.c.sku,
        product_name=sold.c.product_name,
        variant_name=sold.c.variant_name,
    )
    return (*prefixed(LINE, line), *prefixed(SOLD, price))


@functools.cache
def claim_statement(dialect: str) -> sa.Executable:
    """Parameters `cart_token` and `claimed_at`: one row per line of the cart claimed (one with the
    line's columns null for a cart without lines) on PostgreSQL, the cart's row elsewhere; none
    when there is no open cart with that token."""
    claim = (
        sa.update(Cart)
        .where(Cart.token == sa.bindparam("cart_token"), Cart.completed_at.is_(None))
        .values(completed_at=sa.bindparam("claimed_at"), updated_at=sa.bindparam("claimed_at"))
    )
    cart, channel = prefixed(CART, CART_COLUMNS), prefixed(CHANNEL, CHANNEL_COLUMNS)
    if dialect != "postgresql":
        of_cart = [sa.select(c.element).where(Channel.id == Cart.channel_id).scalar_subquery() for c in channel]
        return claim.returning(*cart, *(column.label(c.name) for column, c in zip(of_cart, channel, strict=True)))
    claimed = claim.where(Channel.id == Cart.channel_id).returning(*cart, *channel).cte("claimed")
    sold = _sold()
    return (
        sa.select(*claimed.c, *_line_columns(sold))
        .select_from(claimed)
        .outerjoin(CartLine, CartLine.cart_id == claimed.c[CART + "id"])
        .outerjoin(
            sold, sa.and_(sold.c.variant_id == CartLine.variant_id, sold.c.channel_id == claimed.c[CART + "channel_id"])
        )
        .order_by(CartLine.id)
    )


def claimed(rows: Sequence[sa.Row[Any]]) -> tuple[CartState, ChannelInfo]:
    return part(CartState, rows[0], CART), part(ChannelInfo, rows[0], CHANNEL)


@functools.cache
def lines_statement() -> AnySelect:
    """Parameters `cart_id` and `channel_id` (where the claim did not read the lines)."""
    sold = _sold()
    return (
        sa.select(*_line_columns(sold))
        .outerjoin(
            sold, sa.and_(sold.c.variant_id == CartLine.variant_id, sold.c.channel_id == sa.bindparam("channel_id"))
        )
        .where(CartLine.cart_id == sa.bindparam("cart_id"))
        .order_by(CartLine.id)
    )


def lines(rows: Sequence[sa.Row[Any]]) -> Lines:
    """The cart's lines, and the price and names of those the channel sells, from rows with the
    `LINE` and `SOLD` columns (a row whose line id is null is a cart without lines)."""
    found: list[CartLineState] = []
    sellable: dict[int, Sellable] = {}
    for row in rows:
        line = part(CartLineState, row, LINE)
        if line.id is None:
            continue
        found.append(line)
        sold = part(Sellable, row, SOLD)
        if sold.price is not None:
            sellable[line.variant_id] = sold
    return found, sellable


@functools.cache
def sources_statement(dialect: str, *, at_location: bool) -> AnySelect:
    """Parameters `channel_id`, `variant_ids` and (`at_location`) `location_id`."""
    stmt = (
        sa.select(
            Location.id,
            Location.type,
            Location.priority,
            Location.latitude,
            Location.longitude,
            StockLevel.variant_id,
            StockLevel.on_hand - StockLevel.reserved,
        )
        .join(StockLevel, StockLevel.location_id == Location.id)
        .join(
            ChannelLocation,
            sa.and_(
                ChannelLocation.location_id == Location.id, ChannelLocation.channel_id == sa.bindparam("channel_id")
            ),
        )
        .where(
            Location.is_active,
            in_parameter(dialect, StockLevel.variant_id, "variant_ids"),
            StockLevel.on_hand > StockLevel.reserved,
        )
    )
    if at_location:
        return stmt.where(Location.id == sa.bindparam("location_id"))
    # shipped: from warehouses and from stores that ship to homes
    return stmt.where(sa.or_(Location.type == LocationType.WAREHOUSE, Location.ships_to_home))
