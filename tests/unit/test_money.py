"""Money rules: client amounts are validated (never silently rounded), computed amounts round half-up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.money import MAX_AMOUNT, MINOR_UNITS, Money, is_currency, parse_amount, quantum, round_to_minor

CURRENCIES = sorted(MINOR_UNITS)


def refused(value: Decimal | str | int, currency: str = "CNY", **kwargs: bool) -> DomainError:
    with pytest.raises(DomainError) as caught:
        parse_amount(value, currency, ["input", "amount"], **kwargs)
    assert caught.value.code == "INVALID"
    assert caught.value.field == ["input", "amount"]
    return caught.value


# --- currencies ---------------------------------------------------------------------------------


def test_minor_units_follow_iso_4217() -> None:
    assert quantum("CNY") == Decimal("0.01")
    assert quantum("JPY") == Decimal("1")
    assert quantum("KWD") == Decimal("0.001")


def test_unknown_currencies_are_not_guessed() -> None:
    assert is_currency("CNY") and not is_currency("XXX") and not is_currency("cny")
    with pytest.raises(ValueError, match="unknown currency"):
        Money(Decimal("1"), "XXX")


# --- parse_amount: what a client may send ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("129.90", "CNY", "129.90"),
        ("129.9", "CNY", "129.90"),
        ("129", "CNY", "129.00"),
        (129, "CNY", "129.00"),
        (Decimal("0.01"), "CNY", "0.01"),
        ("0", "CNY", "0.00"),
        ("1500", "JPY", "1500"),
        ("1500.00", "JPY", "1500"),  # trailing zeros are not extra precision
        ("1.234", "KWD", "1.234"),
        ("99999999999", "CNY", "99999999999.00"),
    ],
)
def test_valid_amounts_are_accepted_in_the_currency_scale(
    value: str | int | Decimal, currency: str, expected: str
) -> None:
    amount = parse_amount(value, currency)
    assert amount == Decimal(expected)
    assert str(amount) == expected


def test_negative_amounts_are_refused() -> None:
    assert "negative" in refused("-0.01").message


def test_negative_zero_is_plain_zero() -> None:
    assert str(parse_amount("-0", "CNY")) == "0.00"


def test_zero_is_refused_where_a_positive_amount_is_required() -> None:
    assert "greater than zero" in refused("0", allow_zero=False).message
    assert parse_amount("0.01", "CNY", allow_zero=False) == Decimal("0.01")


@pytest.mark.parametrize("value", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf"])
def test_non_finite_amounts_are_refused(value: str) -> None:
    refused(value)


@pytest.mark.parametrize("value", ["", "abc", "1,50", "¥10", "1.2.3", "0x10"])
def test_text_that_is_not_a_number_is_refused(value: str) -> None:
    assert "is not an amount" in refused(value).message


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("1.234", "CNY"),
        ("0.001", "USD"),
        ("1.5", "JPY"),
        ("0.1", "KRW"),
        ("1.2345", "KWD"),
        ("1e-3", "CNY"),
    ],
)
def test_more_decimals_than_the_currency_has_are_refused_not_rounded(value: str, currency: str) -> None:
    error = refused(value, currency)
    assert f"{currency} amounts have at most {MINOR_UNITS[currency]} decimal places" in error.message


@pytest.mark.parametrize("value", ["100000000000", "99999999999.01", "1e12", "1E+30"])
def test_amounts_beyond_the_maximum_are_refused(value: str) -> None:
    assert "too large" in refused(value).message


# --- round_to_minor: computed amounts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "CNY", "0.01"),
        ("0.015", "CNY", "0.02"),
        ("0.0049", "CNY", "0.00"),
        ("2.675", "CNY", "2.68"),  # a float would give 2.67
        ("-0.005", "CNY", "-0.01"),  # half away from zero
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),  # not banker's rounding
        ("0.0005", "KWD", "0.001"),
        ("10", "CNY", "10.00"),
    ],
)
def test_computed_amounts_round_half_up_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    assert str(round_to_minor(Decimal(amount), currency)) == expected


# --- Money ----------------------------------------------------------------------------------------


def test_money_of_rounds_to_the_minor_unit() -> None:
    assert Money.of("1.005", "CNY") == Money(Decimal("1.01"), "CNY")
    assert Money.of(3, "JPY").amount == Decimal("3")
    assert str(Money.of("19.9", "CNY").amount) == "19.90"


def test_money_arithmetic_in_one_currency() -> None:
    a, b = Money.of("19.90", "CNY"), Money.of("0.15", "CNY")
    assert a + b == Money.of("20.05", "CNY")
    assert a - b == Money.of("19.75", "CNY")
    assert b - a == Money.of("-19.75", "CNY")
    assert a.times(3) == Money.of("59.70", "CNY")
    assert a.times(0) == Money.of("0", "CNY")


@pytest.mark.parametrize("operation", ["add", "sub"])
def test_money_in_different_currencies_never_mixes(operation: str) -> None:
    cny, usd = Money.of("1", "CNY"), Money.of("1", "USD")
    with pytest.raises(ValueError, match="cannot mix CNY and USD"):
        _ = cny + usd if operation == "add" else cny - usd


def test_money_is_immutable() -> None:
    money = Money.of("1", "CNY")
    with pytest.raises(AttributeError):
        money.amount = Decimal("2")  # type: ignore[misc]


# --- properties ------------------------------------------------------------------------------------

currencies = st.sampled_from(CURRENCIES)
amounts = st.decimals(
    min_value=Decimal("-1e11"), max_value=Decimal("1e11"), places=6, allow_nan=False, allow_infinity=False
)
client_amounts = st.decimals(
    min_value=Decimal(0), max_value=MAX_AMOUNT, allow_nan=False, allow_infinity=False, places=3
)


@given(amounts, currencies)
def test_rounding_is_idempotent_and_within_half_a_minor_unit(amount: Decimal, currency: str) -> None:
    rounded = round_to_minor(amount, currency)
    assert round_to_minor(rounded, currency) == rounded
    assert abs(rounded - amount) <= quantum(currency) / 2
    assert rounded.as_tuple().exponent == -MINOR_UNITS[currency]


@given(client_amounts, currencies)
def test_a_rounded_amount_parses_back_to_itself(amount: Decimal, currency: str) -> None:
    rounded = round_to_minor(amount, currency)
    if rounded > MAX_AMOUNT:
        return
    assert parse_amount(rounded, currency) == rounded
    assert parse_amount(str(rounded), currency) == rounded
    assert str(parse_amount(str(rounded), currency)) == str(rounded)


@given(client_amounts, currencies)
def test_parse_amount_accepts_exactly_the_amounts_rounding_would_not_change(amount: Decimal, currency: str) -> None:
    exact = round_to_minor(amount, currency) == amount
    try:
        parsed = parse_amount(amount, currency)
    except DomainError as e:
        assert not exact and e.code == "INVALID"
    else:
        assert exact and parsed == amount


@given(st.lists(client_amounts, min_size=3, max_size=3), currencies)
def test_addition_is_associative_and_commutative_in_one_currency(values: list[Decimal], currency: str) -> None:
    a, b, c = (Money.of(v, currency) for v in values)
    assert a + b == b + a
    assert (a + b) + c == a + (b + c)
    assert (a + b) - b == a


@given(client_amounts, st.integers(min_value=0, max_value=50), currencies)
def test_times_is_repeated_addition(value: Decimal, quantity: int, currency: str) -> None:
    money = Money.of(value, currency)
    total = Money.of(0, currency)
    for _ in range(quantity):
        total = total + money
    assert money.times(quantity) == total
