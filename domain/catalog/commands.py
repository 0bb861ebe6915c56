"""Commands for staff catalogue administration: what a caller asks the use cases to do.

Plain frozen dataclasses, one per use case. Updates distinguish "leave as is" from "clear":
fields that cannot be cleared use `None` for "unchanged"; fields that can (a description, a
parent category) use `KEEP` for "unchanged" and `None` for "clear".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Final, TypeVar

from domain.catalog.model import ChannelKind, ChannelOwnership
from domain.inventory.model import Routing


class Keep(Enum):
    """An update field the caller left out: the stored value stays."""

    KEEP = "KEEP"


KEEP: Final = Keep.KEEP
T = TypeVar("T")


def given(value: T | None) -> T | Keep:
    """A field of an update that cannot be cleared: None leaves it as it is."""
    return KEEP if value is None else value


@dataclass(frozen=True, slots=True)
class ShippingRates:
    """A channel's delivery charge: `flat_rate`, free from `free_over` of merchandise (None: never free)."""

    flat_rate: Decimal
    free_over: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ChannelCreate:
    slug: str
    name: str
    currency: str
    kind: ChannelKind
    ownership: ChannelOwnership = ChannelOwnership.DIRECT
    is_default: bool = False
    is_active: bool = True
    shipping: ShippingRates | None = None
    routing: Routing = Routing.NEAREST


@dataclass(frozen=True, slots=True)
class ChannelUpdate:
    channel_id: int
    slug: str | None = None
    name: str | None = None
    currency: str | None = None
    kind: ChannelKind | None = None
    ownership: ChannelOwnership | None = None
    is_default: bool | None = None
    is_active: bool | None = None
    shipping: ShippingRates | None = None
    routing: Routing | None = None


@dataclass(frozen=True, slots=True)
class CategoryCreate:
    name: str
    slug: str | None = None
    description: str | None = None
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class CategoryUpdate:
    category_id: int
    name: str | None = None
    slug: str | None = None
    description: str | Keep | None = KEEP
    parent_id: int | Keep | None = KEEP  # None: move to the top of the tree


@dataclass(frozen=True, slots=True)
class ProductCreate:
    name: str
    slug: str | None = None
    description: str | None = None
    category_id: int | None = None


@dataclass(frozen=True, slots=True)
class ProductUpdate:
    product_id: int
    name: str | None = None
    slug: str | None = None
    description: str | Keep | None = KEEP
    category_id: int | Keep | None = KEEP  # None: no category


@dataclass(frozen=True, slots=True)
class VariantCreate:
    product_id: int
    sku: str
    name: str


@dataclass(frozen=True, slots=True)
class VariantUpdate:
    variant_id: int
    sku: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ListingUpdate:
    product_id: int
    channel: str  # slug
    is_published: bool


@dataclass(frozen=True, slots=True)
class PriceSet:
    variant_id: int
    channel: str  # slug
    price: Decimal | str | None  # None: no longer sold in the channel
