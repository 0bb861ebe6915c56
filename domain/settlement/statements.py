"""Settlement statements: one per party, period and currency, collecting the party's settleable
entries not yet in a statement.

    DRAFT --confirm--> CONFIRMED (frozen: its entries are SETTLED) --pay--> PAID (with a reference)

Generating for a period makes each statement once (a unique key: also when two requests race) and
collects, in one atomic claim, each settleable entry that no statement holds yet, so an entry is
in at most one statement. Every party's statement is made, claimed, topped up and totalled together,
so a generation sends the same few SQL statements however many parties it settles. Generating again
rebuilds a DRAFT (entries that became settleable since join it) and leaves a CONFIRMED or PAID one as
it is. An entry is settleable once the return window (`SETTLEMENT_RETURN_WINDOW_DAYS`) has passed since
its order completed (or when it was written, if later) and by the period's end, so the sum over all
statements is the sum of the collected entries.

A guaranteed minimum (保底: a rule naming a party with `minimum`) tops the party's DRAFT statement up
with an ADJUSTMENT entry, and the brand, which takes the remainder of every sale, bears it with an
opposite ADJUSTMENT entry (in the brand's statement of the same period, or its next one if that one
is confirmed already).
Each (re)generation writes only the difference between what is owed and what earlier top-ups of the
statement paid, so a minimum is counted exactly once however often a DRAFT is rebuilt (and a top-up
that later sales made unnecessary is reversed); a CONFIRMED statement is frozen with its top-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
class PeriodStatement:
    id: int
    party_id: int
    currency: str
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


@dataclass(frozen=True, slots=True)
class TopUp:
    """`amount` to a statement's party, borne by the brand (in `brand_statement_id`, its DRAFT of the
    period, or None: a later brand statement collects it)."""

    statement_id: int
    minimum: Minimum
    amount: Decimal
    brand_statement_id: int | None


class StatementsRepository(Protocol):
    async def brand_party(self) -> int: ...

    async def minimums(self, start: datetime, end: datetime) -> list[Minimum]:
        """Every rule guaranteeing a party a minimum and valid at some moment of the period."""
        ...

    async def period_statements(
        self, party_id: int | None, due: Cutoff, start: datetime, end: datetime, guaranteed: Sequence[tuple[int, str]]
    ) -> list[PeriodStatement]:
        """The period's statements (of one party, or of all), made for each (party, currency) with settleable
        entries in no statement and each `guaranteed` one; locked until the transaction ends."""
        ...

    async def collect(self, statement_ids: Sequence[int], due: Cutoff) -> None:
        """Release the DRAFTs' entries no longer settleable by `due`, and claim for each the settleable entries
        of its party and currency that no statement holds."""
        ...

    async def totals(self, statement_ids: Sequence[int]) -> dict[int, tuple[Decimal, Decimal]]:
        """Each statement's entries' sum and the part of it that minimum top-ups make (none: absent)."""
        ...

    async def add_top_ups(self, top_ups: Sequence[TopUp], brand_party_id: int, due: Cutoff) -> None:
        """Each top-up's two ADJUSTMENT entries of no order: to the statement's party, and the opposite to the
        brand (dated at `due`, for the brand's statement of the period to collect)."""
        ...

    async def total(self, statement_ids: Sequence[int]) -> None:
        """Set each statement's total to the sum of its entries."""
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
    found = await uow.statements.period_statements(party_id, due, start, end, sorted(guaranteed))
    drafts = [s for s in found if s.status is SettlementStatementStatus.DRAFT]
    if drafts:
        ids = [s.id for s in drafts]
        await uow.statements.collect(ids, due)
        owing = [s for s in drafts if (s.party_id, s.currency) in guaranteed]
        sums = await uow.statements.totals([s.id for s in owing]) if owing else {}
        brand_drafts = {s.currency: s.id for s in drafts if s.party_id == brand}
        top_ups = []
        for s in owing:
            minimum = guaranteed[(s.party_id, s.currency)]
            total, topped_up = sums.get(s.id, (Decimal(0), Decimal(0)))
            if owed := top_up(minimum.amount, total, topped_up):
                top_ups.append(TopUp(s.id, minimum, owed, brand_drafts.get(s.currency)))
        if top_ups:
            await uow.statements.add_top_ups(top_ups, brand, due)
        await uow.statements.total(ids)
    return [s.id for s in sorted(found, key=lambda s: (s.party_id == brand, s.party_id, s.currency))]


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
