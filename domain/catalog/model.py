"""Catalogue rules: channels, categories, products, variants and their channel listings.

A product is sold in a channel only through a listing: the product listing says whether it
is published there; each variant listing gives the variant's price in the channel's
currency. The product listing also keeps the lowest and highest variant price so that
storefront lists can filter and sort by price with an index.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from domain.errors import DomainError

SLUG_MAX_LENGTH = 100
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


class ChannelKind(str, Enum):
    APP = "APP"
    H5 = "H5"
    WECHAT_MINI = "WECHAT_MINI"
    PC = "PC"
    POS = "POS"
    KIOSK = "KIOSK"
    WEARABLE = "WEARABLE"
    PARTNER = "PARTNER"


class ChannelOwnership(str, Enum):
    DIRECT = "DIRECT"
    FRANCHISE = "FRANCHISE"
    CONSIGNMENT = "CONSIGNMENT"
    PLATFORM = "PLATFORM"


class ProductSortField(str, Enum):
    NAME = "NAME"
    PRICE = "PRICE"
    NEWEST = "NEWEST"


class SortDirection(str, Enum):
    ASC = "ASC"
    DESC = "DESC"


def slugify(text: str) -> str:
    """A URL-safe slug from a name; empty when the name has no ASCII letters or digits."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_MAX_LENGTH].strip("-")


def validate_slug(slug: str, field: list[str]) -> str:
    if not _SLUG.match(slug) or len(slug) > SLUG_MAX_LENGTH:
        raise DomainError("INVALID", "A slug is lower-case letters, digits and single hyphens "
                                     f"(at most {SLUG_MAX_LENGTH} characters).", field)
    return slug


def slug_for(name: str, slug: str | None, field: list[str]) -> str:
    """The given slug, validated, or one made from the name."""
    if slug is not None:
        return validate_slug(slug.strip(), field)
    made = slugify(name)
    if not made:
        raise DomainError("REQUIRED", "Give a slug: the name has no letters a URL can use.", field)
    return made


def validate_sku(sku: str, field: list[str]) -> str:
    sku = sku.strip()
    if not _SKU.match(sku):
        raise DomainError("INVALID", "A SKU is 1 to 64 letters, digits or . _ / - and starts with a "
                                     "letter or digit.", field)
    return sku


def validate_text(value: str, field: list[str], max_length: int, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise DomainError("REQUIRED", "This cannot be empty.", field)
    if len(cleaned) > max_length:
        raise DomainError("INVALID", f"At most {max_length} characters.", field)
    return cleaned


@dataclass(frozen=True, slots=True)
class PriceRange:
    start: Decimal
    stop: Decimal


def price_range(prices: Iterable[Decimal]) -> PriceRange | None:
    """The listing's price range over the variants priced in the channel."""
    values = list(prices)
    if not values:
        return None
    return PriceRange(min(values), max(values))


def would_create_cycle(category_id: int, new_parent_id: int, parent_of: dict[int, int | None]) -> bool:
    """Moving a category under one of its own descendants would make a loop."""
    seen: set[int] = set()
    current: int | None = new_parent_id
    while current is not None and current not in seen:
        if current == category_id:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False
