"""Points use cases: earn, spend, refund, claw back, adjust and expire, on one ledger.

Each change is one conditional UPDATE of the member's balance (`points_balance + :delta >=
0`) plus one appended ledger entry, in the caller's transaction. Before any debit, points
that have expired are written off, so nobody spends points past their validity; no credit takes
the balance past MAX_BALANCE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.clock import Timed
from domain.errors import Code, DomainError, input_field
from domain.members.points import (
    LedgerEntry,
    PointsKind,
    add_months,
    check_credit,
    expired_due,
    validate_adjustment,
)


@dataclass(frozen=True, slots=True)
class NewEntry:
    kind: PointsKind
    delta: int
    balance_after: int
    reason: str
    reference: str | None = None
    channel_id: int | None = None
    staff_id: int | None = None
    expires_at: datetime | None = None


class PointsRepository(Protocol):
    async def lock_balance(self, member_id: int) -> int | None:
        """Lock the member's balance row for this transaction; None when there is no such member."""
        ...

    async def change_balance(self, member_id: int, delta: int) -> int | None:
        """Add `delta` unless the balance would go negative; the new balance, or None."""
        ...

    async def ledger(self, member_id: int) -> list[LedgerEntry]: ...
    async def clawed_back(self, member_id: int, reference: str) -> int:
        """Points already taken back from the member for `reference` (an order)."""
        ...

    async def append(self, member_id: int, entry: NewEntry) -> None: ...


class PointsUnitOfWork(Timed, Protocol):
    @property
    def points(self) -> PointsRepository: ...


@dataclass(frozen=True, slots=True)
class PointsPolicy:
    validity_months: int = 24

    def expiry(self, now: datetime) -> datetime:
        return add_months(now, self.validity_months)


async def _locked(uow: PointsUnitOfWork, member_id: int, field: list[str]) -> int:
    balance = await uow.points.lock_balance(member_id)
    if balance is None:
        raise DomainError(Code.NOT_FOUND, "No such member.", field)
    return balance


async def _write_off_expired(uow: PointsUnitOfWork, member_id: int, now: datetime) -> int:
    """Append an EXPIRE entry for points past their validity; returns how many expired."""
    due = expired_due(await uow.points.ledger(member_id), now)
    if due:
        balance = await uow.points.change_balance(member_id, -due)
        assert balance is not None, "expired points are always within the balance"
        await uow.points.append(member_id, NewEntry(PointsKind.EXPIRE, -due, balance, "points expired"))
    return due


async def _credit(
    uow: PointsUnitOfWork,
    member_id: int,
    locked_balance: int,
    kind: PointsKind,
    points: int,
    reason: str,
    policy: PointsPolicy,
    now: datetime,
    field: list[str] | None,
    **extra: int | str | None,
) -> int:
    check_credit(locked_balance, points, field)
    balance = await uow.points.change_balance(member_id, points)
    if balance is None:
        raise DomainError(Code.NOT_FOUND, "No such member.")
    await uow.points.append(member_id, NewEntry(kind, points, balance, reason, expires_at=policy.expiry(now), **extra))  # type: ignore[arg-type]
    return balance


async def _debit(
    uow: PointsUnitOfWork,
    member_id: int,
    kind: PointsKind,
    points: int,
    reason: str,
    field: list[str],
    **extra: int | str | None,
) -> int:
    balance = await uow.points.change_balance(member_id, -points)
    if balance is None:
        raise DomainError(Code.INSUFFICIENT_POINTS, f"The member does not have {points} points to use.", field)
    await uow.points.append(member_id, NewEntry(kind, -points, balance, reason, **extra))  # type: ignore[arg-type]
    return balance


async def adjust_points(
    uow: PointsUnitOfWork,
    *,
    member_id: int | None,
    delta: int,
    reason: str,
    staff_id: int | None,
    policy: PointsPolicy,
    now: datetime | None = None,
) -> int:
    """A staff correction or bonus; returns the new balance. A deduction cannot overdraw."""
    reason = validate_adjustment(delta, reason, input_field("delta"), input_field("reason"))
    if member_id is None:
        raise DomainError(Code.NOT_FOUND, "No such member.", input_field("memberId"))
    now = now or uow.clock()
    balance = await _locked(uow, member_id, input_field("memberId"))
    if delta > 0:
        return await _credit(
            uow,
            member_id,
            balance,
            PointsKind.ADJUST,
            delta,
            reason,
            policy,
            now,
            input_field("delta"),
            staff_id=staff_id,
        )
    await _write_off_expired(uow, member_id, now)
    return await _debit(uow, member_id, PointsKind.ADJUST, -delta, reason, input_field("delta"), staff_id=staff_id)


async def spend_points(
    uow: PointsUnitOfWork,
    member_id: int,
    points: int,
    reference: str,
    *,
    channel_id: int | None = None,
    field: list[str] | None = None,
    now: datetime | None = None,
) -> int:
    """Pay with points (checkout); INSUFFICIENT_POINTS when the balance does not cover them."""
    if points <= 0:  # a negative spend would be a credit that never expires
        raise DomainError(Code.INVALID_QUANTITY, "Use at least one point.", field or ["points"])
    await _locked(uow, member_id, field or ["memberId"])
    await _write_off_expired(uow, member_id, now or uow.clock())
    return await _debit(
        uow,
        member_id,
        PointsKind.SPEND,
        points,
        "points used",
        field or ["points"],
        reference=reference,
        channel_id=channel_id,
    )


async def earn_points(
    uow: PointsUnitOfWork,
    member_id: int,
    points: int,
    reference: str,
    *,
    policy: PointsPolicy,
    channel_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """Grant points for a completed order."""
    balance = await _locked(uow, member_id, ["memberId"])
    if points <= 0:
        return balance
    return await _credit(
        uow,
        member_id,
        balance,
        PointsKind.EARN,
        points,
        "order completed",
        policy,
        now or uow.clock(),
        None,
        reference=reference,
        channel_id=channel_id,
    )


async def refund_points(
    uow: PointsUnitOfWork,
    member_id: int,
    points: int,
    reference: str,
    *,
    policy: PointsPolicy,
    now: datetime | None = None,
) -> int:
    """Points spent on a cancelled order come back (valid for a full period from now)."""
    balance = await _locked(uow, member_id, ["memberId"])
    if points <= 0:
        return balance
    return await _credit(
        uow,
        member_id,
        balance,
        PointsKind.REFUND,
        points,
        "order cancelled",
        policy,
        now or uow.clock(),
        None,
        reference=reference,
    )


async def claw_back_points(
    uow: PointsUnitOfWork, member_id: int, points: int, reference: str, *, now: datetime | None = None
) -> int:
    """Take back points earned on returned goods; what was already spent cannot be taken, so the
    balance never goes below zero. Returns how many points were taken back."""
    balance = await _locked(uow, member_id, ["memberId"])
    balance -= await _write_off_expired(uow, member_id, now or uow.clock())
    take = min(points, balance)
    if take > 0:
        await _debit(uow, member_id, PointsKind.CLAWBACK, take, "goods returned", ["memberId"], reference=reference)
    return take


async def expire_points(uow: PointsUnitOfWork, member_id: int, now: datetime | None = None) -> int:
    """Write off a member's expired points (the periodic job); returns how many expired."""
    await _locked(uow, member_id, ["memberId"])
    return await _write_off_expired(uow, member_id, now or uow.clock())
