"""Statement storage: implements `domain.settlement.statements.StatementsRepository`, and the reads
of `settlementStatements` and `SettlementStatement.entries`.

A statement is made once per party, currency and period (a unique key: every party's made by one
INSERT ... SELECT ignoring duplicates, then locked), and every statement collects its entries with one
conditional UPDATE ... FROM (`statement_id IS NULL`), so two generations at once never put an entry in
two statements, and a generation's SQL statements do not grow with the parties. A top-up (an ADJUSTMENT
of no order) stays in the statement it was written into: rebuilding a DRAFT releases only order entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_events
from db.models import Order, OrderLine, Party, SettlementEntry, SettlementRule, SettlementStatement
from db.pagination import (
    ChildPage,
    Ordering,
    Page,
    PageRequest,
    SortKey,
    child_counts,
    keyset_page,
    newest_child_pages,
    parse_int,
)
from db.sql import any_of, dialect_name
from domain.apps.webhooks import WebhookEventType
from domain.clock import Clock, system_clock
from domain.settlement.model import PartyKind, SettlementEvent, SettlementRole
from domain.settlement.statements import (
    Cutoff,
    Minimum,
    PeriodStatement,
    SettlementStatementStatus,
    StatementState,
    TopUp,
)

STATEMENT_ORDERING = Ordering(
    "settlement-statements", [SortKey(SettlementStatement.id, descending=True, parse=parse_int)]
)
ENTRY_ORDERING = Ordering("statement-entries", [SortKey(SettlementEntry.id, descending=True, parse=parse_int)])
S, E = SettlementStatement, SettlementEntry
PERIOD_KEY = ("party_id", "currency", "period_start", "period_end")


def _settleable(due: Cutoff) -> sa.ColumnElement[bool]:
    """Settleable by the cutoff; a top-up's brand side (of no order) is dated at the cutoff of the
    period it tops up, so it is the brand's statement of that period, or a later one, that takes it."""
    return sa.and_(E.completed_at <= due.completed_by, sa.or_(E.created_at <= due.written_by, E.order_id.is_(None)))


class SqlStatementsRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def period_statements(
        self, party_id: int | None, due: Cutoff, start: datetime, end: datetime, guaranteed: Sequence[tuple[int, str]]
    ) -> list[PeriodStatement]:
        unclaimed = sa.select(E.party_id, E.currency).where(E.statement_id.is_(None), _settleable(due))
        if party_id is not None:
            unclaimed = unclaimed.where(E.party_id == party_id)
        pairs = sa.union(
            unclaimed,
            *(sa.select(sa.literal(p, E.party_id.type), sa.literal(c, E.currency.type)) for p, c in guaranteed),
        ).subquery()
        now = self.clock()
        made = sa.select(
            pairs.c[0],
            pairs.c[1],
            sa.literal(start, S.period_start.type),
            sa.literal(end, S.period_end.type),
            sa.literal(SettlementStatementStatus.DRAFT, S.status.type),
            sa.literal(Decimal(0), S.total.type),
            sa.literal(now, S.created_at.type),
            sa.literal(now, S.updated_at.type),
        )
        # WHERE: SQLite reads an ON CONFLICT after a SELECT without one as a join's ON.
        made = made.where(sa.true()).order_by(pairs.c[0], pairs.c[1])
        columns = ["party_id", "currency", "period_start", "period_end", "status", "total", "created_at", "updated_at"]
        insert = pg_insert if dialect_name(self.session) == "postgresql" else sqlite_insert
        await self.session.execute(
            insert(S).from_select(columns, made).on_conflict_do_nothing(index_elements=list(PERIOD_KEY))
        )
        existing = sa.select(S.id, S.party_id, S.currency, S.status).where(S.period_start == start, S.period_end == end)
        if party_id is not None:
            existing = existing.where(S.party_id == party_id)
        rows = await self.session.execute(existing.order_by(S.id).with_for_update())
        return [PeriodStatement(r.id, r.party_id, r.currency, r.status) for r in rows]

    async def brand_party(self) -> int:
        return int(await self.session.scalar(sa.select(Party.id).where(Party.kind == PartyKind.BRAND)) or 0)

    async def minimums(self, start: datetime, end: datetime) -> list[Minimum]:
        R = SettlementRule
        rows = await self.session.execute(
            sa.select(R.id, R.party_id, R.currency, R.minimum_per_period, R.role).where(
                R.minimum_per_period.is_not(None),
                R.party_id.is_not(None),
                R.currency.is_not(None),
                sa.or_(R.valid_from.is_(None), R.valid_from < end),
                sa.or_(R.valid_to.is_(None), R.valid_to > start),
            )
        )
        return [Minimum(r.party_id, r.currency, r.minimum_per_period, r.id, r.role) for r in rows]

    async def collect(self, statement_ids: Sequence[int], due: Cutoff) -> None:
        # Only what is no longer settleable leaves (an earlier cutoff); the rest stays rather than being
        # released and claimed again (every entry of the month rewritten twice).
        await self.session.execute(
            sa.update(E)
            .where(any_of(self.session, E.statement_id, statement_ids), E.order_id.is_not(None))
            .where(sa.not_(_settleable(due)))
            .values(statement_id=None)
        )
        # One UPDATE ... FROM for every statement: each claims its party's and currency's entries.
        await self.session.execute(
            sa.update(E)
            .where(E.statement_id.is_(None), _settleable(due), any_of(self.session, S.id, statement_ids))
            .where(E.party_id == S.party_id, E.currency == S.currency)
            .values(statement_id=S.id)
        )

    async def totals(self, statement_ids: Sequence[int]) -> dict[int, tuple[Decimal, Decimal]]:
        top_ups = sa.case((E.order_id.is_(None), E.amount), else_=0)
        rows = await self.session.execute(
            sa.select(E.statement_id, sa.func.sum(E.amount), sa.func.sum(top_ups))
            .where(any_of(self.session, E.statement_id, statement_ids))
            .group_by(E.statement_id)
        )
        return {int(r[0]): (Decimal(r[1]), Decimal(r[2])) for r in rows}

    async def add_top_ups(self, top_ups: Sequence[TopUp], brand_party_id: int, due: Cutoff) -> None:
        now = self.clock()
        rows: list[dict[str, Any]] = []
        for t in top_ups:
            common = {
                "order_id": None,
                "order_line_id": None,
                "event": SettlementEvent.ADJUSTMENT,
                "rule_id": t.minimum.rule_id,
                "currency": t.minimum.currency,
                "completed_at": due.completed_by,
                "created_at": now,
            }
            party = {"party_id": t.minimum.party_id, "role": t.minimum.role, "statement_id": t.statement_id}
            # The brand's side, dated at the period's cutoff (see _settleable).
            brand = {"party_id": brand_party_id, "role": SettlementRole.BRAND, "statement_id": t.brand_statement_id}
            rows += [{**common, **party, "amount": t.amount}, {**common, **brand, "amount": -t.amount}]
        await self.session.execute(sa.insert(E), rows, execution_options={"render_nulls": True})

    async def total(self, statement_ids: Sequence[int]) -> None:
        total = sa.select(sa.func.coalesce(sa.func.sum(E.amount), 0)).where(E.statement_id == S.id)
        await self.session.execute(
            sa.update(S)
            .where(any_of(self.session, S.id, statement_ids))
            .values(total=total.scalar_subquery(), updated_at=self.clock())
        )

    async def lock(self, statement_id: int) -> StatementState | None:
        row = (
            await self.session.execute(sa.select(S.id, S.status).where(S.id == statement_id).with_for_update())
        ).first()
        return StatementState(row.id, row.status) if row else None

    async def set_status(self, statement_id: int, status: SettlementStatementStatus, reference: str | None) -> None:
        now = self.clock()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if reference is not None:
            values["payment_reference"] = reference
        await self.session.execute(sa.update(S).where(S.id == statement_id).values(**values))
        if status is SettlementStatementStatus.CONFIRMED:
            await webhook_events.announce(
                self.session, WebhookEventType.SETTLEMENT_STATEMENT_CONFIRMED, statement_id, now
            )


def statements_statement(party_id: int | None, status: SettlementStatementStatus | None) -> sa.Select[Any]:
    stmt = sa.select(S)
    if party_id is not None:
        stmt = stmt.where(S.party_id == party_id)
    if status is not None:
        stmt = stmt.where(S.status == status)
    return stmt


async def statement_page(session: AsyncSession, statement: sa.Select[Any], page: PageRequest, size: int) -> Page[Any]:
    return await keyset_page(session, statement, STATEMENT_ORDERING, page, size, lambda r: (r[0].id,))


async def statements_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, SettlementStatement]:
    return {s.id: s for s in await session.scalars(sa.select(S).where(S.id.in_(ids)))}


async def entry_pages(session: AsyncSession, keys: Sequence[ChildPage]) -> dict[ChildPage, Page[Any]]:
    """Pages of many statements' entries, newest first, in one statement."""
    return await newest_child_pages(session, E, E.statement_id, ENTRY_ORDERING, keys)


async def entry_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    return await child_counts(session, E.statement_id, ids)


async def statement_export_rows(session: AsyncSession, statement_id: int) -> list[Any]:
    """A statement's entries for finance's spreadsheet, oldest first: the order and line each splits."""
    return list(
        await session.execute(
            sa.select(
                E.id,
                Order.number,
                OrderLine.sku,
                Party.name,
                E.role,
                E.event,
                E.amount,
                E.currency,
                E.completed_at,
                E.created_at,
            )
            .outerjoin(Order, Order.id == E.order_id)
            .join(Party, Party.id == E.party_id)
            .outerjoin(OrderLine, OrderLine.id == E.order_line_id)
            .where(E.statement_id == statement_id)
            .order_by(E.id)
        )
    )
