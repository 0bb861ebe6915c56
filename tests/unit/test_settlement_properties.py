"""Invariants of the settlement split over generated orders, rules and returns (hypothesis):

1. for any lines, points, holders and rules, the entries of every line add up exactly to its net
   amount, each in the currency's minor units;
2. the lines' nets add up to the merchandise less the points it carried, never below zero;
3. returning a line's units in any number of parts writes reversals that add up, per party, to
   exactly minus what the sale gave it (a fully returned order nets every party to zero), and each
   partial return's reversals add up to minus the net of the units it took back (rounded).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.money import MINOR_UNITS, quantum, round_to_minor
from domain.settlement.model import (
    Holder,
    Rule,
    Scope,
    SettlementRole,
    line_nets,
    reversal,
    split_line,
    spread,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)
BRAND = 1
CURRENCIES = ("CNY", "JPY", "KWD")
ROLES = (SettlementRole.SELLER, SettlementRole.FULFILLER, SettlementRole.REFERRER, SettlementRole.GUIDE)


def money(currency: str, max_minor: int = 500_000) -> st.SearchStrategy[Decimal]:
    return st.integers(0, max_minor).map(lambda n: Decimal(n).scaleb(-MINOR_UNITS[currency]))


@st.composite
def rules(draw: st.DrawFn, currency: str) -> list[Rule]:
    found: list[Rule] = []
    for i in range(draw(st.integers(0, 6))):
        role = draw(st.sampled_from((*ROLES, SettlementRole.HOST, SettlementRole.PLATFORM)))
        party = draw(st.integers(2, 5)) if role in (SettlementRole.HOST, SettlementRole.PLATFORM) else None
        if draw(st.booleans()):
            rate = Decimal(draw(st.integers(0, 100_000))).scaleb(-3)  # 0.000 .. 100.000 %
            found.append(Rule(i + 1, role, Scope(party, location_id=draw(st.sampled_from((None, 20)))), rate, None))
        else:
            fixed = draw(money(currency, 5_000))
            found.append(Rule(i + 1, role, Scope(party), None, fixed, currency=currency))
    return found


@st.composite
def line(draw: st.DrawFn, currency: str) -> tuple[Decimal, int, list[Holder]]:
    """A line's net, units and who holds which role on it (fulfillers sharing the units and the net)."""
    net = draw(money(currency))
    units = draw(st.integers(1, 20))
    holders = [
        Holder(role, draw(st.sampled_from((None, BRAND, 2, 3, 4))), draw(st.sampled_from((20, 30))), units, net)
        for role in draw(st.lists(st.sampled_from(ROLES), max_size=4))
        if role is not SettlementRole.FULFILLER
    ]
    cut = draw(st.integers(0, units))
    parts = [(20, cut), (30, units - cut)]
    parts = [p for p in parts if p[1] > 0]
    for (location, part_units), part_net in zip(parts, spread(net, [u for _, u in parts], currency), strict=True):
        holders.append(
            Holder(SettlementRole.FULFILLER, draw(st.sampled_from((None, 2, 3))), location, part_units, part_net)
        )
    return net, units, holders


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_lines_entries_add_up_to_its_net_exactly(data: st.DataObject) -> None:
    currency = data.draw(st.sampled_from(CURRENCIES))
    net, units, holders = data.draw(line(currency))
    shares = split_line(net, units, holders, data.draw(rules(currency)), Scope(None, 10, 20, 40), NOW, BRAND, currency)
    assert sum((s.amount for s in shares), Decimal(0)) == net
    assert all(s.amount == s.amount.quantize(quantum(currency)) for s in shares)
    assert [s.role for s in shares].count(SettlementRole.BRAND) == 1 and shares[-1].party_id == BRAND


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_lines_nets_share_the_points_and_add_up(data: st.DataObject) -> None:
    currency = data.draw(st.sampled_from(CURRENCIES))
    totals = data.draw(st.lists(money(currency), min_size=1, max_size=8))
    points = data.draw(money(currency))
    nets = line_nets(totals, points, currency)
    merchandise = sum(totals, Decimal(0))
    assert sum(nets, Decimal(0)) == merchandise - min(points, merchandise)
    assert all(Decimal(0) <= n <= t for n, t in zip(nets, totals, strict=True))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_returning_everything_in_any_parts_nets_every_party_to_zero(data: st.DataObject) -> None:
    currency = data.draw(st.sampled_from(CURRENCIES))
    net, units, holders = data.draw(line(currency))
    sale = split_line(net, units, holders, data.draw(rules(currency)), Scope(None, 10, 20, 40), NOW, BRAND, currency)
    returned = 0
    ledger = list(sale)
    while returned < units:
        returning = data.draw(st.integers(1, units - returned))
        back = reversal(sale, units, returned, returning, currency)
        taken_now = round_to_minor(net * (returned + returning) / units, currency)
        taken_before = round_to_minor(net * returned / units, currency)
        assert sum((s.amount for s in back), Decimal(0)) == -(taken_now - taken_before)
        ledger.extend(back)
        returned += returning
    per_party: dict[tuple[int, SettlementRole], Decimal] = {}
    for s in ledger:
        per_party[(s.party_id, s.role)] = per_party.get((s.party_id, s.role), Decimal(0)) + s.amount
    assert set(per_party.values()) <= {Decimal(0)}
