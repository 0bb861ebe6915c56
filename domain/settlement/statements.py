"""Settlement statements: one per party, period and currency, collecting the party's settleable
entries not yet in a statement.

    DRAFT --confirm--> CONFIRMED (frozen: its entries are SETTLED) --pay--> PAID (with a reference)

Generating for a period makes the statement once (a unique key: also when two requests race) and
collects, in one atomic claim, each settleable entry that no statement holds yet, so an entry is
in at most one statement. Generating again rebuilds a DRAFT (entries that became settleable since
join it) and leaves a CONFIRMED or PAID one as it is. An entry is settleable once the return window
(`SETTLEMENT_RETURN_WINDOW_DAYS`) has passed since its order completed (or when it was written, if
later) and by the period's end, so the sum over all statements is the sum of the collected entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from domain.access.model import Principal
from domain.errors import Code, DomainError, input_field
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


class StatementsRepository(Protocol):
    async def parties_with_entries(
        self, party_id: int | None, due: Cutoff, start: datetime, end: datetime
    ) -> list[tuple[int, str]]:
        """(party, currency) pairs with settleable entries in no statement, or with a statement of the period."""
        ...

    async def statement(self, party_id: int, currency: str, start: datetime, end: datetime) -> StatementState:
        """The statement of the party, currency and period, made if missing; locked until the transaction ends."""
        ...

    async def rebuild(self, statement_id: int, party_id: int, currency: str, due: Cutoff) -> None:
        """Release a DRAFT's entries, claim every settleable one no statement holds, and total them."""
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
    ids: list[int] = []
    for party, currency in await uow.statements.parties_with_entries(party_id, due, start, end):
        found = await uow.statements.statement(party, currency, start, end)
        if found.status is SettlementStatementStatus.DRAFT:
            await uow.statements.rebuild(found.id, party, currency, due)
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
