"""The points ledger: one balance per member, earned and spent on any channel.

The ledger is append-only: the balance is the sum of its entries and no entry is ever
updated or deleted. Points expire a configurable number of months after they were earned
and are spent oldest first, so what expires is computed from the ledger itself: of the
points earned in lots that have expired by now, whatever the debits so far (spending,
clawbacks, earlier expiries, negative adjustments) have not used up. Expiry then appends
one EXPIRE entry; nothing is edited.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import Enum

from domain.errors import Code, DomainError

MAX_ADJUSTMENT = 10_000_000  # per staff adjustment
MAX_BALANCE = 1_000_000_000  # per member: well inside the 32-bit columns the balance and ledger use


class PointsKind(str, Enum):
    EARN = "EARN"  # an order completed
    SPEND = "SPEND"  # points paid for (part of) an order
    REFUND = "REFUND"  # points spent on a cancelled order come back
    CLAWBACK = "CLAWBACK"  # points earned on returned goods are taken back
    ADJUST = "ADJUST"  # staff correction or bonus (e.g. following the official account)
    EXPIRE = "EXPIRE"  # unspent points past their validity


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    delta: int
    kind: PointsKind
    expires_at: datetime | None = None  # for credits: when this lot expires


def add_months(moment: datetime, months: int) -> datetime:
    """The same day-of-month `months` later, clamped to the month's last day (Jan 31 + 1 = Feb 28/29)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def points_earned(amount: Decimal, points_per_unit: Decimal, multiplier: Decimal = Decimal(1)) -> int:
    """Points for spending `amount` in a channel: amount x rate x promotion multiplier, rounded
    down to a whole point (a customer never gets a point they have not fully paid for)."""
    if amount <= 0 or points_per_unit <= 0 or multiplier <= 0:
        return 0
    return int((amount * points_per_unit * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def clawback_for_return(earned: int, returned_amount: Decimal, order_amount: Decimal, already: int = 0) -> int:
    """Points to take back now that goods worth `returned_amount` have come back in all (this
    return and every earlier one): the returned share of what the order earned, rounded half up,
    less the `already` taken by earlier returns. Rounding the running total, not each return,
    means partial returns never mint or burn a point: once everything is back, exactly what was
    earned has been taken."""
    if earned <= 0 or returned_amount <= 0 or order_amount <= 0:
        return 0
    share = Decimal(earned) * min(returned_amount, order_amount) / order_amount
    return max(0, min(earned, int(share.to_integral_value(rounding=ROUND_HALF_UP))) - already)


def expired_due(entries: Iterable[LedgerEntry], now: datetime) -> int:
    """Points that have expired by `now` and not yet left the balance (FIFO).

    Debits consume the oldest lots first, so the points still sitting in lots expired by now
    are: (credits in lots expired by now) - (all debits so far), when positive.
    """
    expired_credits = 0
    debits = 0
    for e in entries:
        if e.delta > 0:
            if e.expires_at is not None and e.expires_at <= now:
                expired_credits += e.delta
        else:
            debits += -e.delta
    return max(0, expired_credits - debits)


def check_credit(balance: int, points: int, field: list[str] | None) -> None:
    """Refuse a credit that would take the balance past MAX_BALANCE (a coded error, never an
    overflow in the database)."""
    if points > MAX_BALANCE - balance:
        raise DomainError(
            Code.INVALID_QUANTITY,
            f"A balance holds at most {MAX_BALANCE:,} points; this member can "
            f"receive {max(0, MAX_BALANCE - balance):,} more.",
            field,
        )


def validate_adjustment(delta: int, reason: str, field_delta: list[str], field_reason: list[str]) -> str:
    if delta == 0:
        raise DomainError(Code.INVALID_QUANTITY, "The adjustment cannot be zero.", field_delta)
    if abs(delta) > MAX_ADJUSTMENT:
        raise DomainError(Code.INVALID_QUANTITY, f"At most {MAX_ADJUSTMENT:,} points in one adjustment.", field_delta)
    reason = reason.strip()
    if not reason:
        raise DomainError(Code.REQUIRED, "Say why the points change.", field_reason)
    if len(reason) > 250:
        raise DomainError(Code.INVALID, "A reason has at most 250 characters.", field_reason)
    return reason
