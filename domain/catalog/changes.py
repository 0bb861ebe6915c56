"""What the catalogue use cases write: one record per stored thing.

Every field is `KEEP` unless the use case sets it: an update leaves a kept field as it is, and a
new row takes the stored default. The repositories map the fields to storage by name, so the
domain names no columns and a misspelt field is a type error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.catalog.commands import KEEP, Keep
from domain.catalog.model import ChannelKind, ChannelOwnership
from domain.inventory.model import Routing


@dataclass(frozen=True, slots=True)
class ChannelChanges:
    slug: str | Keep = KEEP
    name: str | Keep = KEEP
    currency: str | Keep = KEEP
    kind: ChannelKind | Keep = KEEP
    ownership: ChannelOwnership | Keep = KEEP
    is_active: bool | Keep = KEEP
    is_default: bool | Keep = KEEP
    shipping_flat_rate: Decimal | Keep = KEEP
    shipping_free_over: Decimal | Keep | None = KEEP  # None: delivery is never free
    routing: Routing | Keep = KEEP


@dataclass(frozen=True, slots=True)
class CategoryChanges:
    name: str | Keep = KEEP
    slug: str | Keep = KEEP
    description: str | Keep | None = KEEP
    parent_id: int | Keep | None = KEEP  # None: at the top of the tree


@dataclass(frozen=True, slots=True)
class ProductChanges:
    name: str | Keep = KEEP
    slug: str | Keep = KEEP
    description: str | Keep | None = KEEP
    category_id: int | Keep | None = KEEP  # None: no category


@dataclass(frozen=True, slots=True)
class VariantChanges:
    product_id: int | Keep = KEEP
    sku: str | Keep = KEEP
    name: str | Keep = KEEP
