"""The demo catalogue: two channels, a category tree and priced products with their variants and
listings, built in memory from a seed with primary keys assigned up front (`db.demo` writes them).

Prices are drawn per product family within MIN_PRICE..MAX_PRICE and rounded as shelves show them;
a few products are unpublished in one channel and the till (`pos`) prices some items apart.

Variants carry their option as an attribute (`size`, `colour`, `volume`, `storage`, `weight`:
"XL", "White", "50 ml"), and clothes and shoes a colour of the product's, named nowhere else, so
`products(filter: {attributes: ...})` and a search for "white hoodie" have something to find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from sqlalchemy import Table

from db.demo_loader import Row
from db.models import (
    Category,
    Channel,
    Product,
    ProductChannelListing,
    ProductVariant,
    VariantAttribute,
    VariantChannelListing,
)
from domain.catalog.model import ChannelKind, ChannelOwnership, numbered_slug, slugify

CHANNELS, CATEGORIES, PRODUCTS, VARIANTS, ATTRIBUTES, PRODUCT_LISTINGS, VARIANT_LISTINGS = (
    cast(Table, model.__table__)
    for model in (
        Channel,
        Category,
        Product,
        ProductVariant,
        VariantAttribute,
        ProductChannelListing,
        VariantChannelListing,
    )
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
ONLINE, POS = 1, 2  # channel ids
MIN_PRICE, MAX_PRICE = Decimal("9.90"), Decimal("1999.00")
_DIME, _CENT = Decimal("0.1"), Decimal("0.01")


@dataclass(frozen=True)
class _Family:
    """A top-level category and the words its products are named from."""

    name: str
    code: str  # SKU prefix
    prices: tuple[int, int]  # whole yuan, inclusive (of the first option when `scaled`)
    first: tuple[str, ...]  # e.g. materials
    second: tuple[str, ...]  # e.g. cuts or styles
    leaves: dict[str, tuple[str, ...]]  # child category name -> nouns
    options: tuple[tuple[str, str], ...]  # (SKU suffix, variant name), in display order
    option: str  # the attribute the variant name is the value of
    coloured: bool  # a product has a colour of its own (an attribute of each variant)
    scaled: bool  # option i costs (1 + i/2) times the first (bigger pack, more capacity)
    blurbs: tuple[str, ...]


_SIZES = (("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"), ("XXL", "XXL"))
_COLOURS = (("BLK", "Black"), ("WHT", "White"), ("NAV", "Navy"), ("GRY", "Grey"), ("SND", "Sand"))

_FAMILIES = (
    _Family(
        "Apparel",
        "APP",
        (79, 899),
        ("Linen", "Cotton", "Merino", "Silk", "Denim", "Cashmere"),
        ("Relaxed", "Slim", "Classic", "Oversized", "Cropped"),
        {
            "Shirts & Tops": ("Shirt", "Blouse", "Polo", "Tee", "Henley"),
            "Knitwear": ("Sweater", "Cardigan", "Hoodie", "Pullover"),
            "Outerwear": ("Jacket", "Parka", "Coat", "Gilet"),
        },
        _SIZES,
        "size",
        True,
        False,
        ("Cut for everyday wear.", "Pre-washed for softness.", "Made to layer."),
    ),
    _Family(
        "Footwear",
        "FTW",
        (199, 1599),
        ("Trail", "Street", "Canvas", "Leather", "Suede"),
        ("Running", "Walking", "Low-Top", "High-Top", "Waterproof"),
        {
            "Sneakers": ("Shoe", "Sneaker", "Trainer"),
            "Boots": ("Boot", "Chelsea Boot", "Hiker"),
            "Sandals": ("Sandal", "Slide", "Clog"),
        },
        tuple((str(n), f"EU {n}") for n in range(38, 45)),
        "size",
        True,
        False,
        ("Cushioned for long days.", "Grippy rubber outsole.", "Breaks in fast."),
    ),
    _Family(
        "Beauty",
        "BTY",
        (39, 399),
        ("Hydrating", "Brightening", "Calming", "Firming", "Daily"),
        ("Green Tea", "Rose", "Ginseng", "Rice", "Camellia"),
        {
            "Skincare": ("Serum", "Cream", "Toner", "Essence"),
            "Fragrance": ("Eau de Parfum", "Mist"),
            "Body Care": ("Body Lotion", "Hand Cream", "Shower Gel"),
        },
        (("30ML", "30 ml"), ("50ML", "50 ml"), ("100ML", "100 ml"), ("200ML", "200 ml")),
        "volume",
        False,
        True,
        ("Suits all skin types.", "Dermatologist tested.", "Light, quick to absorb."),
    ),
    _Family(
        "Home",
        "HOM",
        (29, 999),
        ("Oak", "Ceramic", "Linen", "Stoneware", "Bamboo", "Cotton"),
        ("Nordic", "Minimal", "Rustic", "Classic", "Soft"),
        {
            "Kitchen": ("Mug", "Bowl Set", "Teapot", "Cutting Board"),
            "Bedding": ("Duvet Cover", "Pillowcase", "Throw"),
            "Decor": ("Vase", "Candle", "Lamp"),
        },
        _COLOURS,
        "colour",
        False,
        False,
        ("Easy to care for.", "Designed in Shanghai.", "Gift-boxed."),
    ),
    _Family(
        "Electronics",
        "ELC",
        (99, 799),
        ("Wireless", "Smart", "Portable", "Compact", "Pro"),
        ("Noise-Cancelling", "Fast-Charge", "Ultra", "Mini", "Max"),
        {
            "Audio": ("Earbuds", "Headphones", "Speaker"),
            "Phone Accessories": ("Power Bank", "Charger"),
            "Smart Home": ("Plug", "Camera", "Light Strip"),
        },
        (("64", "64 GB"), ("128", "128 GB"), ("256", "256 GB"), ("512", "512 GB")),
        "storage",
        False,
        True,
        ("One-year warranty.", "Pairs in seconds.", "USB-C everywhere."),
    ),
    _Family(
        "Food & Drink",
        "FAD",
        (10, 119),
        ("Organic", "Single-Origin", "Roasted", "Spiced", "Wild"),
        ("Yunnan", "Fujian", "Hangzhou", "Sichuan", "Hainan"),
        {
            "Tea": ("Pu-erh", "Oolong", "Green Tea", "Black Tea"),
            "Coffee": ("Coffee Beans", "Drip Bags"),
            "Snacks": ("Nut Mix", "Dried Mango", "Rice Crackers"),
        },
        (("100G", "100 g"), ("250G", "250 g"), ("500G", "500 g"), ("1KG", "1 kg")),
        "weight",
        False,
        True,
        ("Best within six months.", "Sealed for freshness.", "Small-batch."),
    ),
)


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = numbered_slug(base, n)
    taken.add(slug)
    return slug


def channels() -> list[Row]:
    common = {"currency": "CNY", "ownership": ChannelOwnership.DIRECT, "is_active": True, "created_at": EPOCH}
    return [
        {"id": ONLINE, "slug": "online", "name": "Online store", "kind": ChannelKind.APP, "is_default": True, **common},
        {"id": POS, "slug": "pos", "name": "In-store tills", "kind": ChannelKind.POS, "is_default": False, **common},
    ]


def categories() -> tuple[list[Row], list[tuple[int, _Family, tuple[str, ...]]]]:
    """The category rows and the leaves products go in: (category id, family, nouns)."""
    rows: list[Row] = []
    leaves: list[tuple[int, _Family, tuple[str, ...]]] = []
    taken: set[str] = set()

    def add(name: str, parent_id: int | None, description: str) -> int:
        rows.append(
            {
                "id": len(rows) + 1,
                "parent_id": parent_id,
                "name": name,
                "description": description,
                "slug": _unique_slug(name, taken),
                "created_at": EPOCH,
            }
        )
        return len(rows)

    for family in _FAMILIES:
        top = add(family.name, None, f"All {family.name.lower()}.")
        for leaf, nouns in family.leaves.items():
            leaves.append((add(leaf, top, f"{leaf} in {family.name.lower()}."), family, nouns))
    return rows, leaves


def _price(rng: random.Random, family: _Family) -> Decimal:
    yuan = rng.randint(*family.prices)
    return _shelf_price(Decimal(yuan) - rng.choice((Decimal(0), Decimal("0.10"), Decimal("0.50"))))


def _shelf_price(amount: Decimal) -> Decimal:
    """Rounded to 0.10 and kept in the demo's price range, with two decimals as CNY has."""
    return min(max(amount.quantize(_DIME, ROUND_HALF_UP), MIN_PRICE), MAX_PRICE).quantize(_CENT)


def catalogue(
    rng: random.Random,
    products: int,
    leaves: list[tuple[int, _Family, tuple[str, ...]]],
) -> dict[Table, list[Row]]:
    """Products spread over the leaf categories, their variants with their attributes, and their listings in
    both channels."""
    # A few products are hidden somewhere, so the visibility rules have something to show.
    n_online, n_pos = max(1, round(products * 0.03)), max(1, round(products * 0.05))
    hidden = rng.sample(range(products), min(products, n_online + n_pos))
    unpublished_online, not_in_pos = set(hidden[:n_online]), set(hidden[n_online:])
    product_rows: list[Row] = []
    variant_rows: list[Row] = []
    attribute_rows: list[Row] = []
    # Colours come from a generator of their own, seeded from the catalogue's state without drawing from
    # it: every other row is what it was before products had colours.
    palette = random.Random(hash(rng.getstate()[1]))  # the ints of the state (hash(None) varies by run)
    product_listings: list[Row] = []
    variant_listings: list[Row] = []
    taken: set[str] = set()
    for index in range(products):
        product_id = index + 1
        category_id, family, nouns = leaves[index % len(leaves)]
        name = f"{rng.choice(family.first)} {rng.choice(family.second)} {rng.choice(nouns)}"
        created = EPOCH + timedelta(minutes=10 * index, seconds=rng.randrange(600))
        product_rows.append(
            {
                "id": product_id,
                "category_id": category_id,
                "name": name,
                "slug": _unique_slug(name, taken),
                "description": f"{name}. {rng.choice(family.blurbs)}",
                "created_at": created,
                "updated_at": created,
            }
        )
        count = rng.randint(1, min(4, len(family.options)))
        options = sorted(rng.sample(range(len(family.options)), count))
        base = _price(rng, family)
        pos_factor = Decimal(1) if rng.random() < 0.8 else rng.choice((Decimal("0.95"), Decimal("1.05")))
        prices: dict[int, list[Decimal]] = {ONLINE: [], POS: []}
        colour = palette.choice(_COLOURS)[1] if family.coloured else None
        for option in options:
            variant_id = len(variant_rows) + 1
            suffix, label = family.options[option]
            variant_rows.append(
                {
                    "id": variant_id,
                    "product_id": product_id,
                    "created_at": created,
                    "sku": f"{family.code}-{product_id:06d}-{suffix}",
                    "name": label,
                }
            )
            attributes = {family.option: label, **({"colour": colour} if colour else {})}
            for key, value in sorted(attributes.items()):
                attribute_rows.append(
                    {
                        "id": len(attribute_rows) + 1,
                        "variant_id": variant_id,
                        "product_id": product_id,
                        "name": key,
                        "value": value,
                    }
                )
            if family.scaled:
                online = _shelf_price(base * (1 + Decimal("0.5") * option))
            else:
                online = base if rng.random() < 0.8 else _shelf_price(base * Decimal("1.1"))
            listed = {ONLINE: online}
            if index not in not_in_pos:
                listed[POS] = _shelf_price(online * pos_factor)
            for channel_id, price in listed.items():
                prices[channel_id].append(price)
                variant_listings.append(
                    {
                        "id": len(variant_listings) + 1,
                        "variant_id": variant_id,
                        "channel_id": channel_id,
                        "price": price,
                    }
                )
        for channel_id, in_channel in prices.items():
            if in_channel:
                product_listings.append(
                    {
                        "id": len(product_listings) + 1,
                        "product_id": product_id,
                        "channel_id": channel_id,
                        "is_published": not (channel_id == ONLINE and index in unpublished_online),
                        "min_price": min(in_channel),
                        "max_price": max(in_channel),
                        "updated_at": created,
                    }
                )
    return {
        PRODUCTS: product_rows,
        VARIANTS: variant_rows,
        ATTRIBUTES: attribute_rows,
        PRODUCT_LISTINGS: product_listings,
        VARIANT_LISTINGS: variant_listings,
    }
