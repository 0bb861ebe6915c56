"""The points ledger without a database: earning and claw-back arithmetic, expiry (oldest lots
first), validity periods, and the use cases over an in-memory ledger."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.members.points import (
    MAX_ADJUSTMENT,
    LedgerEntry,
    PointsKind,
    add_months,
    clawback_for_return,
    expired_due,
    points_earned,
    validate_adjustment,
)
from domain.members.points_services import (
    PointsPolicy,
    adjust_points,
    claw_back_points,
    earn_points,
    expire_points,
    refund_points,
    spend_points,
)
from domain.orders.returns import SoldLine, returned_value
from tests.fakes import FakePoints

T0 = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
EARN, SPEND, EXPIRE = PointsKind.EARN, PointsKind.SPEND, PointsKind.EXPIRE


def months(n: int) -> datetime:
    return add_months(T0, n)


# --- earning and claw-back -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rate", "multiplier", "points"),
    [
        (Decimal("129.90"), Decimal(1), Decimal(1), 129),
        (Decimal("99.99"), Decimal("1.5"), Decimal(1), 149),  # 149.985 rounds down
        (Decimal("0.99"), Decimal(1), Decimal(1), 0),
        (Decimal("10.50"), Decimal(1), Decimal(2), 21),
        (Decimal("33.33"), Decimal("0.1"), Decimal(3), 9),  # 9.999 rounds down
        (Decimal(0), Decimal(1), Decimal(1), 0),
        (Decimal(-50), Decimal(1), Decimal(1), 0),
        (Decimal(50), Decimal(0), Decimal(1), 0),
        (Decimal(50), Decimal(1), Decimal(0), 0),
    ],
)
def test_points_earned_are_rounded_down(amount: Decimal, rate: Decimal, multiplier: Decimal, points: int) -> None:
    assert points_earned(amount, rate, multiplier) == points


@pytest.mark.parametrize(
    ("earned", "returned", "order", "taken"),
    [
        (129, Decimal("64.95"), Decimal("129.90"), 65),  # 64.5 rounds half up
        (100, Decimal("33.33"), Decimal("100.00"), 33),  # 33.33 rounds down
        (100, Decimal("0.50"), Decimal("100.00"), 1),  # 0.5 rounds up
        (100, Decimal("0.49"), Decimal("100.00"), 0),
        (100, Decimal("100.00"), Decimal("100.00"), 100),
        (100, Decimal("250.00"), Decimal("100.00"), 100),  # never above what was earned
        (0, Decimal("10"), Decimal("10"), 0),
        (100, Decimal(0), Decimal("10"), 0),
        (100, Decimal("10"), Decimal(0), 0),
    ],
)
def test_clawback_is_the_returned_share_half_up_never_above_earned(
    earned: int, returned: Decimal, order: Decimal, taken: int
) -> None:
    assert clawback_for_return(earned, returned, order) == taken


def test_partial_returns_reconcile_against_what_was_already_clawed_back() -> None:
    """Three 1-unit returns of a 3-unit order that earned 154 points take 51 + 52 + 51, not 3 x 51."""
    line = SoldLine(1, 1, 3, 0, Decimal("154.00"))
    taken = 0
    for returned in range(3):
        back = replace(line, returned_quantity=returned)
        taken += clawback_for_return(154, returned_value([back], {1: 1}), line.total, taken)
    assert taken == 154


LINES = st.lists(st.tuples(st.integers(1, 5), st.integers(1, 99_999)), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(LINES, st.integers(0, 5000), st.data())
def test_any_sequence_of_partial_returns_claws_back_exactly_what_was_earned(
    specs: list[tuple[int, int]], earned: int, data: st.DataObject
) -> None:
    lines = [SoldLine(i, i, quantity, 0, Decimal(cents) / 100) for i, (quantity, cents) in enumerate(specs)]
    merchandise = sum((ln.total for ln in lines), Decimal(0))
    taken = 0
    while any(ln.returnable for ln in lines):
        line = data.draw(st.sampled_from([ln for ln in lines if ln.returnable]))
        wanted = {line.id: data.draw(st.integers(1, line.returnable))}
        step = clawback_for_return(earned, returned_value(lines, wanted), merchandise, taken)
        assert step >= 0
        taken += step
        assert taken <= earned, "never more than was earned"
        lines = [replace(ln, returned_quantity=ln.returned_quantity + wanted.get(ln.id, 0)) for ln in lines]
    assert taken == earned


# --- validity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (datetime(2025, 1, 31, tzinfo=UTC), 1, datetime(2025, 2, 28, tzinfo=UTC)),
        (datetime(2024, 1, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),  # leap year
        (datetime(2025, 8, 31, tzinfo=UTC), 1, datetime(2025, 9, 30, tzinfo=UTC)),
        (datetime(2025, 12, 15, tzinfo=UTC), 1, datetime(2026, 1, 15, tzinfo=UTC)),
        (datetime(2024, 2, 29, tzinfo=UTC), 24, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2025, 3, 31, 23, 59, tzinfo=UTC), 11, datetime(2026, 2, 28, 23, 59, tzinfo=UTC)),
        (datetime(2025, 5, 10, tzinfo=UTC), 0, datetime(2025, 5, 10, tzinfo=UTC)),
    ],
)
def test_add_months_keeps_the_day_clamped_to_the_months_end(start: datetime, n: int, expected: datetime) -> None:
    assert add_months(start, n) == expected


def test_points_stay_valid_for_the_policys_months() -> None:
    assert PointsPolicy().expiry(T0) == datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    assert PointsPolicy(validity_months=1).expiry(T0) == datetime(2025, 2, 28, 12, 0, tzinfo=UTC)


# --- expiry: oldest lots first -------------------------------------------------------------------


def lot(points: int, expires: datetime, kind: PointsKind = EARN) -> LedgerEntry:
    return LedgerEntry(points, kind, expires)


def debit(points: int, kind: PointsKind = SPEND) -> LedgerEntry:
    return LedgerEntry(-points, kind)


def test_nothing_expires_before_its_time() -> None:
    assert expired_due([lot(100, months(24))], months(23)) == 0


def test_an_unspent_lot_expires_whole_at_its_expiry_moment() -> None:
    assert expired_due([lot(100, months(24))], months(24)) == 100


def test_spending_uses_the_oldest_lot_first() -> None:
    entries = [lot(100, months(24)), lot(50, months(30)), debit(120)]
    assert expired_due(entries, months(25)) == 0, "the first lot was spent in full"
    assert expired_due(entries, months(30)) == 30, "the rest of the second lot expires"


def test_a_partly_spent_lot_expires_what_is_left() -> None:
    assert expired_due([lot(100, months(24)), debit(30), lot(50, months(36))], months(25)) == 70


def test_expiry_already_written_off_is_not_expired_again() -> None:
    entries = [lot(100, months(24)), lot(50, months(36)), debit(100, EXPIRE)]
    assert expired_due(entries, months(25)) == 0
    assert expired_due(entries, months(36)) == 50


def test_every_kind_of_debit_uses_up_the_oldest_lots() -> None:
    entries = [
        lot(100, months(24)),
        debit(20, PointsKind.CLAWBACK),
        debit(30, PointsKind.ADJUST),
        lot(40, months(26), PointsKind.REFUND),
    ]
    assert expired_due(entries, months(25)) == 50
    assert expired_due(entries, months(26)) == 90


def test_credits_without_an_expiry_never_expire() -> None:
    assert expired_due([LedgerEntry(100, PointsKind.ADJUST, None)], months(600)) == 0


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[LedgerEntry], int]:
    """A ledger whose running balance never goes below zero, and its balance."""
    entries: list[LedgerEntry] = []
    balance = 0
    for credit, points, month in draw(
        st.lists(st.tuples(st.booleans(), st.integers(1, 1000), st.integers(0, 60)), max_size=30)
    ):
        if credit:
            entries.append(lot(points, months(month)))
            balance += points
        elif balance:
            taken = min(points, balance)
            entries.append(debit(taken, draw(st.sampled_from([SPEND, PointsKind.CLAWBACK, PointsKind.ADJUST]))))
            balance -= taken
    return entries, balance


@given(ledgers(), st.integers(-1, 70))
def test_expiry_is_within_the_balance_and_running_it_twice_expires_nothing_more(
    ledger: tuple[list[LedgerEntry], int], month: int
) -> None:
    entries, balance = ledger
    now = months(month)
    due = expired_due(entries, now)
    assert 0 <= due <= balance
    assert expired_due([*entries, debit(due, EXPIRE)], now) == 0


# --- adjustments ---------------------------------------------------------------------------------


def test_an_adjustment_needs_a_non_zero_delta_within_bounds_and_a_reason() -> None:
    assert validate_adjustment(-5, "  correction ", ["d"], ["r"]) == "correction"
    for delta, reason, code, field in (
        (0, "x", "INVALID_QUANTITY", ["d"]),
        (MAX_ADJUSTMENT + 1, "x", "INVALID_QUANTITY", ["d"]),
        (-MAX_ADJUSTMENT - 1, "x", "INVALID_QUANTITY", ["d"]),
        (5, " ", "REQUIRED", ["r"]),
        (5, "x" * 251, "INVALID", ["r"]),
    ):
        with pytest.raises(DomainError) as caught:
            validate_adjustment(delta, reason, ["d"], ["r"])
        assert (caught.value.code, caught.value.field) == (code, field)


# --- the use cases over an in-memory ledger ------------------------------------------------------


class FakeUow:
    def __init__(self) -> None:
        self.points = FakePoints()
        self.points.balances[1] = 0
        self.clock = lambda: T0


POLICY = PointsPolicy(validity_months=24)


async def test_spending_writes_off_expired_points_first() -> None:
    uow = FakeUow()
    await earn_points(uow, 1, 100, "order-1", policy=POLICY, now=T0)
    await earn_points(uow, 1, 20, "order-2", policy=POLICY, now=months(12))
    with pytest.raises(DomainError) as caught:
        await spend_points(uow, 1, 30, "order-3", now=months(25))
    assert caught.value.code == "INSUFFICIENT_POINTS", "only 20 points are still valid"
    assert await spend_points(uow, 1, 15, "order-4", now=months(25)) == 5
    assert uow.points.kinds(1) == [(EARN, 100), (EARN, 20), (EXPIRE, -100), (SPEND, -15)]
    assert [e.balance_after for e in uow.points.entries[1]] == [100, 120, 20, 5]


async def test_spending_nothing_or_less_is_refused() -> None:
    uow = FakeUow()
    await earn_points(uow, 1, 100, "order-1", policy=POLICY, now=T0)
    for points in (0, -50):
        with pytest.raises(DomainError) as caught:
            await spend_points(uow, 1, points, "order-2", now=T0)
        assert caught.value.code == "INVALID_QUANTITY"
    assert uow.points.balances[1] == 100


async def test_a_clawback_never_overdraws_the_balance() -> None:
    uow = FakeUow()
    await earn_points(uow, 1, 100, "order-1", policy=POLICY, now=T0)
    await spend_points(uow, 1, 90, "order-2", now=T0)
    assert await claw_back_points(uow, 1, 50, "return-1", now=T0) == 10
    assert uow.points.balances[1] == 0
    assert await claw_back_points(uow, 1, 50, "return-2", now=T0) == 0
    assert uow.points.kinds(1) == [(EARN, 100), (SPEND, -90), (PointsKind.CLAWBACK, -10)]


async def test_a_clawback_takes_only_points_that_have_not_expired() -> None:
    uow = FakeUow()
    await earn_points(uow, 1, 100, "order-1", policy=POLICY, now=T0)
    await earn_points(uow, 1, 30, "order-2", policy=POLICY, now=months(20))
    assert await claw_back_points(uow, 1, 50, "return-2", now=months(25)) == 30
    assert uow.points.kinds(1)[2:] == [(EXPIRE, -100), (PointsKind.CLAWBACK, -30)]


async def test_earning_or_refunding_nothing_writes_nothing() -> None:
    uow = FakeUow()
    assert await earn_points(uow, 1, 0, "order-1", policy=POLICY) == 0
    assert await refund_points(uow, 1, -5, "order-1", policy=POLICY) == 0
    assert uow.points.entries[1] == []


async def test_refunded_points_are_valid_for_a_full_period_from_the_refund() -> None:
    uow = FakeUow()
    await refund_points(uow, 1, 40, "order-1", policy=POLICY, now=months(3))
    [entry] = uow.points.entries[1]
    assert (entry.kind, entry.delta, entry.expires_at) == (PointsKind.REFUND, 40, months(27))


async def test_adjustments_credit_with_an_expiry_and_debit_after_writing_off() -> None:
    uow = FakeUow()
    assert await adjust_points(uow, member_id=1, delta=50, reason="bonus", staff_id=7, policy=POLICY, now=T0) == 50
    credit = uow.points.entries[1][0]
    assert (credit.staff_id, credit.expires_at) == (7, months(24))
    with pytest.raises(DomainError) as caught:
        await adjust_points(uow, member_id=1, delta=-10, reason="fix", staff_id=7, policy=POLICY, now=months(24))
    assert (caught.value.code, caught.value.field) == ("INSUFFICIENT_POINTS", ["input", "delta"])


async def test_points_of_an_unknown_member_are_not_found() -> None:
    uow = FakeUow()
    for call in (
        adjust_points(uow, member_id=99, delta=5, reason="x", staff_id=None, policy=POLICY),
        adjust_points(uow, member_id=None, delta=5, reason="x", staff_id=None, policy=POLICY),
        spend_points(uow, 99, 5, "order"),
        expire_points(uow, 99),
    ):
        with pytest.raises(DomainError) as caught:
            await call
        assert caught.value.code == "NOT_FOUND"


async def test_expiry_writes_off_once() -> None:
    uow = FakeUow()
    await earn_points(uow, 1, 100, "order-1", policy=POLICY, now=T0)
    assert await expire_points(uow, 1, now=months(24) - timedelta(seconds=1)) == 0
    assert await expire_points(uow, 1, now=months(24)) == 100
    assert await expire_points(uow, 1, now=months(30)) == 0
    assert uow.points.kinds(1) == [(EARN, 100), (EXPIRE, -100)]


OPS = st.lists(
    st.tuples(st.sampled_from(["earn", "spend", "claw", "adjust", "expire"]), st.integers(1, 300), st.integers(0, 3)),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(OPS)
def test_any_sequence_of_use_cases_keeps_the_ledger_equal_to_the_balance(ops: list[tuple[str, int, int]]) -> None:
    async def play() -> FakeUow:
        uow = FakeUow()
        month = 0
        for op, points, step in ops:
            month += step * 6
            now = months(month)
            try:
                if op == "earn":
                    await earn_points(uow, 1, points, "o", policy=POLICY, now=now)
                elif op == "spend":
                    await spend_points(uow, 1, points, "o", now=now)
                elif op == "claw":
                    await claw_back_points(uow, 1, points, "o", now=now)
                elif op == "adjust":
                    await adjust_points(
                        uow, member_id=1, delta=-points, reason="r", staff_id=None, policy=POLICY, now=now
                    )
                else:
                    await expire_points(uow, 1, now=now)
            except DomainError as e:
                assert e.code == "INSUFFICIENT_POINTS"
        assert await expire_points(uow, 1, now=months(month)) >= 0
        assert await expire_points(uow, 1, now=months(month)) == 0, "running expiry twice expires nothing more"
        return uow

    uow = asyncio.run(play())
    entries = uow.points.entries[1]
    assert sum(e.delta for e in entries) == uow.points.balances[1] >= 0
    assert all(e.balance_after >= 0 for e in entries)
    assert [e.balance_after for e in entries] == [sum(x.delta for x in entries[: i + 1]) for i in range(len(entries))]
