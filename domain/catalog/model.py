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

from domain.errors import Code, DomainError
from domain.money import is_currency

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
    """A URL-safe slug from a name: Chinese characters become their pinyin syllables, one word each
    ("纯棉T恤" is "chun-mian-t-xu"), accents are dropped; empty when nothing a URL can use is left."""
    # Imported here: its dictionaries take 0.4 s to load, and only a staff write without a slug needs them.
    from pypinyin import lazy_pinyin

    spelled = " ".join(lazy_pinyin(text))
    ascii_text = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_MAX_LENGTH].strip("-")


def numbered_slug(slug: str, n: int) -> str:
    """The n-th candidate for a slug made from a name that another object already has: "tee-2", "tee-3"."""
    suffix = f"-{n}"
    return slug[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix


def search_terms(text: str | None) -> tuple[str, ...]:
    """What a shopper's search asks for: every whitespace-separated term, lower-cased, once each; a
    product matches when its text holds all of them ("纯棉 T恤" is two terms, "白色" one)."""
    return tuple(dict.fromkeys(text.lower().split())) if text else ()


def validate_slug(slug: str, field: list[str]) -> str:
    if not _SLUG.match(slug) or len(slug) > SLUG_MAX_LENGTH:
        raise DomainError(
            Code.INVALID,
            f"A slug is lower-case letters, digits and single hyphens (at most {SLUG_MAX_LENGTH} characters).",
            field,
        )
    return slug


def slug_for(name: str, slug: str | None, field: list[str]) -> str:
    """The given slug, validated, or one made from the name."""
    if slug is not None:
        return validate_slug(slug.strip(), field)
    made = slugify(name)
    if len(made) < 2:  # "" or one letter: nobody can read a product's URL from it
        raise DomainError(Code.REQUIRED, "Give a slug: the name has too few letters a URL can use.", field)
    return made


def validate_sku(sku: str, field: list[str]) -> str:
    sku = sku.strip()
    if not _SKU.match(sku):
        raise DomainError(
            Code.INVALID, "A SKU is 1 to 64 letters, digits or . _ / - and starts with a letter or digit.", field
        )
    return sku


def validate_text(value: str, field: list[str], max_length: int, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise DomainError(Code.REQUIRED, "This cannot be empty.", field)
    if len(cleaned) > max_length:
        raise DomainError(Code.INVALID, f"At most {max_length} characters.", field)
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


# Limits of the stored text (the column sizes of the catalogue tables).
CHANNEL_NAME_MAX = 200
CATEGORY_NAME_MAX = 200
PRODUCT_NAME_MAX = 250
VARIANT_NAME_MAX = 250
DESCRIPTION_MAX = 20_000


def validate_currency(code: str, field: list[str]) -> str:
    """An ISO 4217 code Omnishop knows how to round ("cny" is read as "CNY")."""
    cleaned = code.strip().upper()
    if not is_currency(cleaned):
        raise DomainError(Code.CURRENCY_INVALID, f"'{code[:10]}' is not a supported ISO 4217 currency code.", field)
    return cleaned


def optional_text(value: str | None, field: list[str], max_length: int = DESCRIPTION_MAX) -> str | None:
    """Free text that may be left out; blank is the same as none."""
    if value is None:
        return None
    return validate_text(value, field, max_length, required=False) or None


def check_channel_default(was_default: bool, is_default: bool, is_active: bool) -> None:
    """There is one default channel (used when a client names none), and it is active.

    A channel stops being the default only by another one becoming the default.
    """
    if was_default and not is_default:
        raise DomainError(
            Code.INVALID,
            "There must be a default channel: make another channel the default instead.",
            ["input", "isDefault"],
        )
    if is_default and not is_active:
        raise DomainError(Code.INVALID, "The default channel must be active.", ["input", "isActive"])


def check_currency_change(current: str, new: str, has_prices: bool) -> None:
    """Prices are stored in the channel's currency: changing it would silently re-denominate them."""
    if new != current and has_prices:
        raise DomainError(
            Code.INVALID,
            f"Variants are priced in {current} in this channel; remove those prices before changing its currency.",
            ["input", "currency"],
        )


def check_category_move(category_id: int, new_parent_id: int, parent_of: dict[int, int | None]) -> None:
    """A category cannot be moved under itself or one of its descendants."""
    if would_create_cycle(category_id, new_parent_id, parent_of):
        raise DomainError(
            Code.CATEGORY_CYCLE,
            "A category cannot be moved under itself or its own subcategories.",
            ["input", "parentId"],
        )


def check_category_removable(has_children: bool, has_products: bool) -> None:
    """Only an empty leaf can go: deleting it must not orphan subcategories or uncategorise products."""
    if has_children:
        raise DomainError(Code.IN_USE, "The category has subcategories; move or delete them first.", ["id"])
    if has_products:
        raise DomainError(Code.IN_USE, "Products are in the category; move them first.", ["id"])
