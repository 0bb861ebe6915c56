"""Settlement rules without a database: which rule applies, how a line's net is split, how a return
reverses it, and what a rule may say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import Code, DomainError, DomainErrors
from domain.settlement.model import (
    Holder,
    Rule,
    Scope,
    SettlementEntryStatus,
    SettlementRole,
    Share,
    check_rule,
    choose_rule,
    line_nets,
    new_referral_code,
    reversal,
    settleable_from,
    split_line,
    spread,
    status,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
BRAND, NORTH, SOUTH, MALL = 1, 2, 3, 4
ONLINE, STORE_A, STORE_B, SHOES = 10, 20, 30, 40
R = SettlementRole


def rule(id: int, role: SettlementRole = R.REFERRER, rate: str | None = "5", **scope: int | None) -> Rule:
    """A rate rule, or (rate None) a fixed 3.00 CNY a unit."""
    if rate is None:
        return Rule(id, role, Scope(**scope), None, Decimal("3.00"), currency="CNY")
    return Rule(id, role, Scope(**scope), Decimal(rate), None)


def test_the_most_specific_valid_rule_wins_and_a_tie_goes_to_the_newest() -> None:
    general, by_channel, by_store = rule(1), rule(2, channel_id=ONLINE), rule(3, location_id=STORE_B)
    newer_by_store = rule(4, location_id=STORE_B)
    both = rule(5, channel_id=ONLINE, location_id=STORE_A)
    context = Scope(NORTH, ONLINE, STORE_B, SHOES)
    assert choose_rule([general], R.REFERRER, context, NOW) == general
    assert choose_rule([general, by_channel], R.REFERRER, context, NOW) == by_channel
    assert choose_rule([by_store, newer_by_store, general], R.REFERRER, context, NOW) == newer_by_store
    assert choose_rule([both, general], R.REFERRER, context, NOW) == general, "scoped to another store"
    assert choose_rule([general], R.FULFILLER, context, NOW) is None, "another role's rule"


def test_a_rule_applies_only_within_its_period() -> None:
    june = Rule(1, R.SELLER, Scope(), Decimal(5), None, NOW, NOW + timedelta(days=30))
    assert choose_rule([june], R.SELLER, Scope(), NOW) == june
    assert choose_rule([june], R.SELLER, Scope(), NOW - timedelta(seconds=1)) is None
    assert choose_rule([june], R.SELLER, Scope(), NOW + timedelta(days=30)) is None, "valid_to is excluded"


def test_a_fixed_amount_pays_only_on_orders_in_its_currency() -> None:
    fee = Rule(1, R.FULFILLER, Scope(), None, Decimal(3), currency="CNY")
    assert choose_rule([fee], R.FULFILLER, Scope(), NOW, "CNY") == fee
    assert choose_rule([fee], R.FULFILLER, Scope(), NOW, "JPY") is None


def test_a_referred_line_splits_into_referrer_fulfiller_and_the_brands_remainder() -> None:
    holders = [
        Holder(R.REFERRER, NORTH, STORE_B, 3, Decimal("99.99")),
        Holder(R.FULFILLER, SOUTH, STORE_A, 3, Decimal("99.99")),
    ]
    rules = [rule(1, R.REFERRER, "5"), rule(2, R.FULFILLER, None)]
    shares = split_line(Decimal("99.99"), 3, holders, rules, Scope(None, ONLINE), NOW, BRAND, "CNY")
    assert shares == [
        Share(NORTH, R.REFERRER, Decimal("5.00"), 1),  # 4.9995 rounds half-up
        Share(SOUTH, R.FULFILLER, Decimal("9.00"), 2),
        Share(BRAND, R.BRAND, Decimal("85.99")),
    ]


def test_the_brands_own_stores_earn_nothing_apart_and_hosts_are_paid_by_their_rule() -> None:
    holders = [Holder(R.SELLER, None, STORE_A, 1, Decimal(100)), Holder(R.REFERRER, BRAND, STORE_B, 1, Decimal(100))]
    host = Rule(7, R.HOST, Scope(MALL, location_id=STORE_A), Decimal(12), None)
    rules = [rule(1, R.SELLER), rule(2, R.REFERRER), host]
    shares = split_line(Decimal(100), 1, holders, rules, Scope(None, ONLINE, STORE_A), NOW, BRAND, "CNY")
    assert shares == [Share(MALL, R.HOST, Decimal("12.00"), 7), Share(BRAND, R.BRAND, Decimal("88.00"))]


def test_points_are_shared_over_the_lines_in_proportion_and_never_beyond_the_merchandise() -> None:
    assert line_nets([Decimal("30.00"), Decimal("70.00")], Decimal("10.00"), "CNY") == [
        Decimal("27.00"),
        Decimal("63.00"),
    ]
    assert line_nets([Decimal("0.01"), Decimal("0.01"), Decimal("0.01")], Decimal("0.02"), "CNY") == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.01"),
    ]
    assert line_nets([Decimal("5.00")], Decimal("8.00"), "CNY") == [Decimal("0.00")], "the rest paid shipping"


def test_spread_adds_up_exactly_and_gives_leftover_cents_to_the_largest_remainders() -> None:
    assert spread(Decimal("10.00"), [1, 1, 1], "CNY") == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert spread(Decimal("7"), [2, 1], "JPY") == [Decimal("5"), Decimal("2")]
    assert spread(Decimal("1.00"), [0, 0], "CNY") == [Decimal("1.00"), Decimal("0")]


def test_returns_reverse_in_proportion_and_returning_everything_nets_to_zero() -> None:
    sale = [
        Share(NORTH, R.REFERRER, Decimal("5.00")),
        Share(SOUTH, R.FULFILLER, Decimal("0.01")),
        Share(BRAND, R.BRAND, Decimal("94.99")),
    ]
    first = reversal(sale, 3, 0, 1, "CNY")
    assert first == [Share(NORTH, R.REFERRER, Decimal("-1.67")), Share(BRAND, R.BRAND, Decimal("-31.66"))], (
        "0.01 / 3 rounds to nothing yet"
    )
    assert sum((s.amount for s in first), Decimal(0)) == Decimal("-33.33"), "a third of the line's 100.00"
    rest = reversal(sale, 3, 1, 2, "CNY")
    totals: dict[int, Decimal] = {}
    for s in [*sale, *first, *rest]:
        totals[s.party_id] = totals.get(s.party_id, Decimal(0)) + s.amount
    assert set(totals.values()) == {Decimal(0)}


def test_a_rule_is_a_rate_of_0_to_100_or_a_fixed_amount_never_both() -> None:
    check_rule(R.SELLER, Scope(), Decimal("0"), None, None, None)
    check_rule(R.SELLER, Scope(), Decimal("100"), None, None, None)
    check_rule(R.FULFILLER, Scope(), None, Decimal("3.50"), None, None)
    for rate, fixed in ((Decimal("100.01"), None), (Decimal(-1), None), (Decimal(5), Decimal(1)), (None, None)):
        with pytest.raises(DomainError) as caught:
            check_rule(R.SELLER, Scope(), rate, fixed, None, None)
        assert caught.value.code is Code.INVALID and caught.value.field == ["input", "rate"]


def test_a_rule_reports_every_problem_at_once() -> None:
    with pytest.raises(DomainErrors) as caught:
        check_rule(R.HOST, Scope(), None, Decimal("0.001"), NOW, NOW)
    assert [(e.code, e.field) for e in caught.value.errors] == [
        (Code.INVALID, ["input", "fixedAmount"]),
        (Code.REQUIRED, ["input", "partyId"]),
        (Code.INVALID, ["input", "validTo"]),
    ]


def test_rules_of_one_role_and_scope_overlap_when_their_periods_share_a_moment() -> None:
    june = Rule(1, R.SELLER, Scope(), Decimal(5), None, NOW, NOW + timedelta(days=30))
    july = Rule(2, R.SELLER, Scope(), Decimal(5), None, NOW + timedelta(days=30), None)
    forever = Rule(3, R.SELLER, Scope(), Decimal(5), None)
    elsewhere = Rule(4, R.SELLER, Scope(location_id=STORE_A), Decimal(5), None)
    assert not june.overlaps(july) and not july.overlaps(june)
    assert forever.overlaps(june) and june.overlaps(forever)
    assert not elsewhere.overlaps(forever)


def test_entries_become_settleable_once_the_return_window_has_passed() -> None:
    at = settleable_from(NOW, NOW, 7)
    assert status(at, NOW + timedelta(days=6), settled=False) is SettlementEntryStatus.PENDING
    assert status(at, NOW + timedelta(days=7), settled=False) is SettlementEntryStatus.SETTLEABLE
    late_return = settleable_from(NOW, NOW + timedelta(days=20), 7)
    assert late_return == NOW + timedelta(days=20), "a return after the window settles when it happens"
    assert status(at, NOW, settled=True) is SettlementEntryStatus.SETTLED


def test_referral_codes_are_random_and_easy_to_read() -> None:
    codes = {new_referral_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 10 and not set(c) & set("01IO") for c in codes)
