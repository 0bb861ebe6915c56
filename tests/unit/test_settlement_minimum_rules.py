"""A guaranteed minimum per period (保底), as pure rules: which minimum applies, and what top-up a
statement still needs given the top-ups written already. The property: however a DRAFT's entries
change between rebuilds, the top-ups written add up to exactly what tops the last total up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Code, DomainError, DomainErrors
from domain.settlement.model import Scope, SettlementRole, check_rule
from domain.settlement.statements import Minimum, minimums, top_up

BRAND = 1
cents = st.decimals(min_value=-500, max_value=500, places=2)


def test_a_shortfall_is_topped_up_and_nothing_more_once_it_is() -> None:
    assert top_up(Decimal("20.00"), Decimal("1.00"), Decimal(0)) == Decimal("19.00")
    assert top_up(Decimal("20.00"), Decimal("20.00"), Decimal("19.00")) == 0, "topped up already"
    assert top_up(Decimal("20.00"), Decimal("25.00"), Decimal(0)) == 0, "earned more than the minimum"


def test_entries_collected_since_take_an_unneeded_top_up_back() -> None:
    # 1.00 earned + 19.00 topped up; the rebuild collected 30.00 more: the 19.00 goes back.
    assert top_up(Decimal("20.00"), Decimal("50.00"), Decimal("19.00")) == Decimal("-19.00")
    # ... or only part of it, when the new entries leave a smaller shortfall.
    assert top_up(Decimal("20.00"), Decimal("25.00"), Decimal("19.00")) == Decimal("-5.00")


@given(minimum=st.decimals(min_value="0.01", max_value=1000, places=2), bases=st.lists(cents, min_size=1, max_size=8))
def test_rebuilding_any_number_of_times_tops_up_exactly_once(minimum: Decimal, bases: list[Decimal]) -> None:
    """`bases` are the totals of a DRAFT's order entries at successive rebuilds."""
    topped = Decimal(0)
    for base in bases:
        topped += top_up(minimum, base + topped, topped)
        assert top_up(minimum, base + topped, topped) == 0, "a second generation at once adds nothing"
    assert topped == max(Decimal(0), minimum - bases[-1])
    assert bases[-1] + topped == max(minimum, bases[-1])


def test_the_largest_minimum_of_a_party_and_currency_applies_and_the_brand_has_none() -> None:
    found = minimums(
        [
            Minimum(7, "CNY", Decimal("10.00"), 3, SettlementRole.HOST),
            Minimum(7, "CNY", Decimal("25.00"), 2, SettlementRole.SELLER),
            Minimum(7, "USD", Decimal("5.00"), 4, SettlementRole.HOST),
            Minimum(BRAND, "CNY", Decimal("99.00"), 5, SettlementRole.SELLER),
        ],
        BRAND,
    )
    assert {k: (m.amount, m.rule_id) for k, m in found.items()} == {
        (7, "CNY"): (Decimal("25.00"), 2),
        (7, "USD"): (Decimal("5.00"), 4),
    }


@pytest.mark.parametrize("bad", [Decimal(0), Decimal("-1"), Decimal("1.001"), Decimal("NaN")])
def test_a_minimum_is_positive_in_minor_units(bad: Decimal) -> None:
    with pytest.raises(DomainError) as refused:
        check_rule(SettlementRole.HOST, Scope(party_id=7), Decimal(1), None, None, None, minimum=bad)
    assert (refused.value.code, refused.value.field) == (Code.INVALID, ["input", "minimumPerPeriod"])


def test_a_minimum_names_the_party_it_is_guaranteed_to() -> None:
    with pytest.raises(DomainError) as refused:
        check_rule(SettlementRole.SELLER, Scope(), Decimal(1), None, None, None, minimum=Decimal(5))
    assert (refused.value.code, refused.value.field) == (Code.REQUIRED, ["input", "partyId"])
    with pytest.raises(DomainErrors) as both:
        check_rule(SettlementRole.SELLER, Scope(), Decimal(1), None, None, None, minimum=Decimal(-5))
    assert [e.code for e in both.value.errors] == [Code.INVALID, Code.REQUIRED], "every problem at once"
    check_rule(SettlementRole.SELLER, Scope(party_id=7), Decimal(1), None, None, None, minimum=Decimal(5))
