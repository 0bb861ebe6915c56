"""Catalogue rules without a database: slugs, SKUs, names, currencies, the default channel, the
category tree, price ranges and channel prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.model import (
    SLUG_MAX_LENGTH,
    PriceRange,
    check_category_move,
    check_category_removable,
    check_channel_default,
    check_currency_change,
    numbered_slug,
    optional_text,
    price_range,
    search_terms,
    slug_for,
    slugify,
    validate_currency,
    validate_sku,
    validate_slug,
    validate_text,
    would_create_cycle,
)
from domain.errors import DomainError
from domain.money import parse_amount

FIELD = ["input", "x"]


def code_of(error: pytest.ExceptionInfo[DomainError]) -> tuple[str, list[str] | None]:
    return error.value.code, error.value.field


# Slugs, SKUs and names


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Linen Shirt", "linen-shirt"),
        ("  Crème Brûlée -- Mug!  ", "creme-brulee-mug"),
        ("T-Shirt (XL) 2-Pack", "t-shirt-xl-2-pack"),
        ("连衣裙", "lian-yi-qun"),
        ("T恤", "t-xu"),
        ("纯棉 T恤 男女同款", "chun-mian-t-xu-nan-nv-tong-kuan"),
        ("Café 咖啡杯", "cafe-ka-fei-bei"),
    ],
)
def test_a_slug_is_made_from_the_name_when_none_is_given(name: str, slug: str) -> None:
    assert slugify(name) == slug == slug_for(name, None, FIELD)


@pytest.mark.parametrize("name", ["!!", "X", "…"])
def test_a_name_that_makes_no_slug_or_a_one_letter_slug_needs_a_slug(name: str) -> None:
    with pytest.raises(DomainError) as e:
        slug_for(name, None, FIELD)
    assert code_of(e) == ("REQUIRED", FIELD)
    assert slug_for(name, " silk-dress ", FIELD) == "silk-dress"


def test_a_numbered_slug_stays_within_the_length_limit() -> None:
    assert numbered_slug("tee", 2) == "tee-2"
    long = "-".join(["chun-mian"] * 20)[:SLUG_MAX_LENGTH]
    assert len(numbered_slug(long, 12)) <= SLUG_MAX_LENGTH
    assert validate_slug(numbered_slug(long, 12), FIELD).endswith("-12")


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("纯棉 T恤", ("纯棉", "t恤")),
        ("  Linen\tSHIRT linen ", ("linen", "shirt")),  # any whitespace, any case, once each
        ("白色", ("白色",)),
        ("   ", ()),
        (None, ()),
    ],
)
def test_a_search_is_the_terms_between_whitespace(text: str | None, terms: tuple[str, ...]) -> None:
    assert search_terms(text) == terms


@pytest.mark.parametrize("slug", ["Upper", "two  spaces", "-leading", "trailing-", "double--hyphen", "", "a" * 101])
def test_a_given_slug_is_lower_case_letters_digits_and_single_hyphens(slug: str) -> None:
    with pytest.raises(DomainError) as e:
        validate_slug(slug, FIELD)
    assert code_of(e) == ("INVALID", FIELD)


def test_a_sku_is_trimmed_and_starts_with_a_letter_or_digit() -> None:
    assert validate_sku(" APP-LIN-001/M ", FIELD) == "APP-LIN-001/M"
    for bad in ("-APP", "has space", "", "A" * 65, "货号"):
        with pytest.raises(DomainError) as e:
            validate_sku(bad, FIELD)
        assert code_of(e) == ("INVALID", FIELD)


def test_a_name_cannot_be_blank_or_too_long() -> None:
    assert validate_text("  Linen Shirt ", FIELD, 250) == "Linen Shirt"
    with pytest.raises(DomainError) as blank:
        validate_text("   ", FIELD, 250)
    with pytest.raises(DomainError) as long:
        validate_text("x" * 251, FIELD, 250)
    assert code_of(blank) == ("REQUIRED", FIELD) and code_of(long) == ("INVALID", FIELD)


def test_a_blank_description_is_no_description() -> None:
    assert optional_text(None, FIELD) is None
    assert optional_text("  \n ", FIELD) is None
    assert optional_text(" Cool in summer. ", FIELD) == "Cool in summer."


# Channels


def test_a_channel_currency_is_an_iso_4217_code_omnishop_can_round() -> None:
    assert validate_currency(" cny ", FIELD) == "CNY"
    assert validate_currency("JPY", FIELD) == "JPY"
    for bad in ("XYZ", "RMB", "", "CNYY"):
        with pytest.raises(DomainError) as e:
            validate_currency(bad, FIELD)
        assert code_of(e) == ("CURRENCY_INVALID", FIELD)


def test_the_default_channel_stops_being_it_only_when_another_becomes_the_default() -> None:
    check_channel_default(was_default=False, is_default=True, is_active=True)
    check_channel_default(was_default=True, is_default=True, is_active=True)
    check_channel_default(was_default=False, is_default=False, is_active=False)
    with pytest.raises(DomainError) as e:
        check_channel_default(was_default=True, is_default=False, is_active=True)
    assert code_of(e) == ("INVALID", ["input", "isDefault"])


def test_the_default_channel_is_active() -> None:
    with pytest.raises(DomainError) as e:
        check_channel_default(was_default=True, is_default=True, is_active=False)
    assert code_of(e) == ("INVALID", ["input", "isActive"])


def test_a_channel_currency_changes_only_while_nothing_is_priced_in_it() -> None:
    check_currency_change("CNY", "HKD", has_prices=False)
    check_currency_change("CNY", "CNY", has_prices=True)
    with pytest.raises(DomainError) as e:
        check_currency_change("CNY", "HKD", has_prices=True)
    assert code_of(e) == ("INVALID", ["input", "currency"])


# The category tree

# apparel(1) -> tops(2) -> shirts(3); footwear(4)
TREE: dict[int, int | None] = {1: None, 2: 1, 3: 2, 4: None}


def test_a_category_moves_under_any_category_outside_its_own_branch() -> None:
    assert not would_create_cycle(3, 4, TREE)
    assert not would_create_cycle(2, 4, TREE)
    assert not would_create_cycle(4, 3, TREE)
    check_category_move(1, 4, TREE)


@pytest.mark.parametrize(("category", "new_parent"), [(1, 1), (1, 2), (1, 3), (2, 3)])
def test_a_category_cannot_move_under_itself_or_its_descendants(category: int, new_parent: int) -> None:
    assert would_create_cycle(category, new_parent, TREE)
    with pytest.raises(DomainError) as e:
        check_category_move(category, new_parent, TREE)
    assert code_of(e) == ("CATEGORY_CYCLE", ["input", "parentId"])


def test_cycle_detection_ends_even_on_a_tree_that_already_loops() -> None:
    assert not would_create_cycle(9, 1, {1: 2, 2: 1})


def test_only_an_empty_leaf_category_can_be_deleted() -> None:
    check_category_removable(has_children=False, has_products=False)
    for children, products in ((True, False), (False, True), (True, True)):
        with pytest.raises(DomainError) as e:
            check_category_removable(children, products)
        assert code_of(e) == ("IN_USE", ["id"])


# Prices


def test_a_product_price_range_spans_its_variant_prices() -> None:
    assert price_range([]) is None
    assert price_range([Decimal("99.00")]) == PriceRange(Decimal("99.00"), Decimal("99.00"))
    assert price_range([Decimal("120"), Decimal("89.90"), Decimal("100")]) == PriceRange(
        Decimal("89.90"), Decimal("120")
    )


@pytest.mark.parametrize(
    ("price", "currency", "stored"),
    [
        ("129.9", "CNY", Decimal("129.90")),
        ("0", "CNY", Decimal("0.00")),
        ("1200", "JPY", Decimal("1200")),
        ("1.234", "KWD", Decimal("1.234")),
    ],
)
def test_a_variant_price_is_kept_in_the_channel_currency_minor_units(
    price: str, currency: str, stored: Decimal
) -> None:
    assert parse_amount(price, currency, FIELD) == stored


@pytest.mark.parametrize(
    ("price", "currency"), [("12.345", "CNY"), ("1200.5", "JPY"), ("-1", "CNY"), ("NaN", "CNY"), ("abc", "CNY")]
)
def test_a_variant_price_with_too_many_decimals_or_below_zero_is_refused(price: str, currency: str) -> None:
    with pytest.raises(DomainError) as e:
        parse_amount(price, currency, FIELD)
    assert code_of(e) == ("INVALID", FIELD)
