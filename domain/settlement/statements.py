"""Settlement statements: one per party, period and currency, collecting the party's settleable
entries not yet in a statement.

    DRAFT --confirm--> CONFIRMED (frozen: its entries are SETTLED) --pay--> PAID (with a reference)

Generating for a period makes the statement once (a unique key: also when two requests race) and
collects, in one atomic claim, each settleable entry that no statement holds yet, so an entry is
in at most one statement. Generating again rebuilds a DRAFT (entries that became settleable since
join it) and leaves a CONFIRMED or PAID one as it is. An entry is settleable once the return window
(`SETTLEMENT_RETURN_WINDOW_DAYS`) has passed since its order completed (or when it was written, if
later) and by the period's end, so the sum over all statements is the sum of the collected entries.

A guaranteed minimum (保底: a rule naming a party with `minimum`) tops the party's DRAFT statement up
with an ADJUSTMENT entry, and the brand, which takes the remainder of every sale, bears it with an
opposite ADJUSTMENT entry (in the brand's statement of the same period, or its next one if that one
is confirmed already).
Each (re)generation writes only the difference between what is owed and what earlier top-ups of the
statement paid, so a minimum is counted exactly once however often a DRAFT is rebuilt (and a top-up
that later sales made unnecessary is reversed); a CONFIRMED statement is frozen with its top-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Protocol

from domain.access.model import Principal
from domain.errors import Code, DomainError, input_field
from domain.settlement.model import SettlementRole
from domain.settlement.services import require_settlement

MAX_PERIOD = timedelta(days=366)


class SettlementStatementStatus(str, Enum):
    DRAFT = "DRAFT"
    CONFIRMED = "CONFIRMED"
    PAID = "PAID"


@dataclass(frozen=True, slots=True)
class Cutoff:
    """Entries settleable by `at`: their order completed by `at - window`, and written by `at`."""

    completed_by: datetime
    written_by: datetime


def cutoff(period_end: datetime, now: datetime, window_days: int) -> Cutoff:
    at = min(period_end, now)
    return Cutoff(at - timedelta(days=window_days), at)


@dataclass(frozen=True, slots=True)
class StatementState:
    id: int
    status: SettlementStatementStatus


@dataclass(frozen=True, slots=True)
class Minimum:
    """A party's guaranteed total for a statement period, in `currency`, from rule `rule_id`."""

    party_id: int
    currency: str
    amount: Decimal
    rule_id: int
    role: SettlementRole


def minimums(candidates: Iterable[Minimum], brand_party_id: int) -> dict[tuple[int, str], Minimum]:
    """The minimum of each party and currency: of the rules valid during the period, the largest
    (ties: the newest rule); the brand, which takes the remainder, has none."""
    chosen: dict[tuple[int, str], Minimum] = {}
    for m in candidates:
        key = (m.party_id, m.currency)
        seen = chosen.get(key)
        if m.party_id != brand_party_id and (seen is None or (m.amount, m.rule_id) > (seen.amount, seen.rule_id)):
            chosen[key] = m
    return chosen


def top_up(minimum: Decimal, total: Decimal, topped_up: Decimal) -> Decimal:
    """The ADJUSTMENT a statement still needs: what its entries other than top-ups (`total` less
    `topped_up`, the top-ups written already) fall short of `minimum`, less those top-ups. Zero once
    it is topped up; negative when entries collected since cover what an earlier top-up paid."""
    return max(Decimal(0), minimum - (total - topped_up)) - topped_up


class StatementsRepository(Protocol):
    async def brand_party(self) -> int: ...

    async def minimums(self, start: datetime, end: datetime) -> list[Minimum]:
        """Every rule guaranteeing a party a minimum and valid at some moment of the period."""
        ...

    async def totals(self, statement_id: int) -> tuple[Decimal, Decimal]:
        """The statement's total and the part of it that minimum top-ups make."""
        ...

    async def add_top_up(
        self, statement_id: int, minimum: Minimum, amount: Decimal, brand_party_id: int, due: Cutoff
    ) -> None:
        """`amount` to the statement's party (in the statement), minus `amount` to the brand (dated at
        `due`, for the brand's statement of the period to collect), both ADJUSTMENT entries of no order;
        the statement's total updated."""
        ...

    async def parties_with_entries(
        self, party_id: int | None, due: Cutoff, start: datetime, end: datetime
    ) -> list[tuple[int, str]]:
        """(party, currency) pairs with settleable entries in no statement, or with a statement of the period."""
        ...

    async def statement(self, party_id: int, currency: str, start: datetime, end: datetime) -> StatementState:
        """The statement of the party, currency and period, made if missing; locked until the transaction ends."""
        ...

    async def rebuild(self, statement_id: int, party_id: int, currency: str, due: Cutoff) -> None:
        """Release a DRAFT's entries no longer settleable by `due`, claim every settleable one no statement
        holds, and total them."""
        ...

    async def lock(self, statement_id: int) -> StatementState | None: ...
    async def set_status(self, statement_id: int, status: SettlementStatementStatus, reference: str | None) -> None: ...


class StatementsUnitOfWork(Protocol):
    @property
    def statements(self) -> StatementsRepository: ...


async def generate(
    uow: StatementsUnitOfWork,
    principal: Principal,
    *,
    start: datetime,
    end: datetime,
    party_id: int | None,
    window_days: int,
    now: datetime,
) -> list[int]:
    """The period's statements (of one party, or of every party with entries to settle), built or
    rebuilt; their ids."""
    require_settlement(principal)
    if end <= start or end - start > MAX_PERIOD:
        raise DomainError(Code.INVALID, "A period ends after it starts, within a year.", input_field("periodEnd"))
    due = cutoff(end, now, window_days)
    brand = await uow.statements.brand_party()
    guaranteed = {
        key: m
        for key, m in minimums(await uow.statements.minimums(start, end), brand).items()
        if party_id in (None, m.party_id)
    }
    pairs = set(await uow.statements.parties_with_entries(party_id, due, start, end)) | set(guaranteed)
    ids: list[int] = []
    # The brand last: its DRAFT of a running period collects the top-ups the others' generation wrote.
    for party, currency in sorted(pairs, key=lambda p: (p[0] == brand, p)):
        found = await uow.statements.statement(party, currency, start, end)
        if found.status is SettlementStatementStatus.DRAFT:
            await uow.statements.rebuild(found.id, party, currency, due)
            minimum = guaranteed.get((party, currency))
            if minimum is not None:
                total, topped_up = await uow.statements.totals(found.id)
                if owed := top_up(minimum.amount, total, topped_up):
                    await uow.statements.add_top_up(found.id, minimum, owed, brand, due)
        ids.append(found.id)
    return ids


async def confirm(uow: StatementsUnitOfWork, principal: Principal, statement_id: int | None) -> int:
    """DRAFT -> CONFIRMED: frozen from now on, its entries SETTLED (SETTLEMENT_STATEMENT_CONFIRMED)."""
    return await _move(uow, principal, statement_id, SettlementStatementStatus.CONFIRMED, None)


async def mark_paid(uow: StatementsUnitOfWork, principal: Principal, statement_id: int | None, reference: str) -> int:
    """CONFIRMED -> PAID, with the payment's reference."""
    reference = reference.strip()
    if not reference or len(reference) > 100:
        raise DomainError(Code.INVALID, "A payment reference has 1 to 100 characters.", input_field("reference"))
    return await _move(uow, principal, statement_id, SettlementStatementStatus.PAID, reference)


NEXT: dict[SettlementStatementStatus, SettlementStatementStatus] = {
    SettlementStatementStatus.DRAFT: SettlementStatementStatus.CONFIRMED,
    SettlementStatementStatus.CONFIRMED: SettlementStatementStatus.PAID,
}


async def _move(
    uow: StatementsUnitOfWork,
    principal: Principal,
    statement_id: int | None,
    to: SettlementStatementStatus,
    reference: str | None,
) -> int:
    require_settlement(principal)
    found = await uow.statements.lock(statement_id) if statement_id is not None else None
    if found is None or statement_id is None:
        raise DomainError(Code.NOT_FOUND, "No such statement.", ["id"])
    if NEXT.get(found.status) is not to:
        raise DomainError(
            Code.INVALID_TRANSITION, f"A {found.status.value} statement cannot become {to.value}.", ["id"]
        )
    await uow.statements.set_status(statement_id, to, reference)
    return statement_id
