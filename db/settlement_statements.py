"""Statement storage: implements `domain.settlement.statements.StatementsRepository`, and the reads
of `settlementStatements` and `SettlementStatement.entries`.

A statement is made once per party, currency and period (a unique key, inserted ignoring a
duplicate, then locked), and collects its entries with one conditional UPDATE (`statement_id IS
NULL`), so two generations at once never put an entry in two statements. A top-up (an ADJUSTMENT
of no order) stays in the statement it was written into: rebuilding a DRAFT releases only order entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
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
from db.sql import insert_ignoring_duplicates
from domain.apps.webhooks import WebhookEventType
from domain.clock import Clock, system_clock
from domain.settlement.model import PartyKind, SettlementEvent, SettlementRole
from domain.settlement.statements import Cutoff, Minimum, SettlementStatementStatus, StatementState

STATEMENT_ORDERING = Ordering(
    "settlement-statements", [SortKey(SettlementStatement.id, descending=True, parse=parse_int)]
)
ENTRY_ORDERING = Ordering("statement-entries", [SortKey(SettlementEntry.id, descending=True, parse=parse_int)])
S, E = SettlementStatement, SettlementEntry


def _settleable(due: Cutoff) -> sa.ColumnElement[bool]:
    """Settleable by the cutoff; a top-up's brand side (of no order) is dated at the cutoff of the
    period it tops up, so it is the brand's statement of that period, or a later one, that takes it."""
    return sa.and_(E.completed_at <= due.completed_by, sa.or_(E.created_at <= due.written_by, E.order_id.is_(None)))


class SqlStatementsRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def parties_with_entries(
        self, party_id: int | None, due: Cutoff, start: datetime, end: datetime
    ) -> list[tuple[int, str]]:
        unclaimed = sa.select(E.party_id, E.currency).where(E.statement_id.is_(None), _settleable(due))
        existing = sa.select(S.party_id, S.currency).where(S.period_start == start, S.period_end == end)
        if party_id is not None:
            unclaimed = unclaimed.where(E.party_id == party_id)
            existing = existing.where(S.party_id == party_id)
        rows = await self.session.execute(sa.union(unclaimed, existing))
        return sorted((int(p), str(c)) for p, c in rows)

    async def statement(self, party_id: int, currency: str, start: datetime, end: datetime) -> StatementState:
        now = self.clock()
        row = {
            "party_id": party_id,
            "currency": currency,
            "period_start": start,
            "period_end": end,
            "status": SettlementStatementStatus.DRAFT,
            "total": Decimal(0),
            "created_at": now,
            "updated_at": now,
        }
        await insert_ignoring_duplicates(self.session, S, [row], ["party_id", "currency", "period_start", "period_end"])
        found = (
            await self.session.execute(
                sa.select(S.id, S.status)
                .where(S.party_id == party_id, S.currency == currency, S.period_start == start, S.period_end == end)
                .with_for_update()
            )
        ).one()
        return StatementState(found.id, found.status)

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

    async def totals(self, statement_id: int) -> tuple[Decimal, Decimal]:
        top_ups = sa.case((E.order_id.is_(None), E.amount), else_=0)
        row = (
            await self.session.execute(
                sa.select(sa.func.coalesce(sa.func.sum(E.amount), 0), sa.func.coalesce(sa.func.sum(top_ups), 0)).where(
                    E.statement_id == statement_id
                )
            )
        ).one()
        return Decimal(row[0]), Decimal(row[1])

    async def add_top_up(
        self, statement_id: int, minimum: Minimum, amount: Decimal, brand_party_id: int, due: Cutoff
    ) -> None:
        now = self.clock()
        common = {
            "order_id": None,
            "order_line_id": None,
            "event": SettlementEvent.ADJUSTMENT,
            "rule_id": minimum.rule_id,
            "currency": minimum.currency,
            "created_at": now,
        }
        rows = [
            {
                **common,
                "party_id": minimum.party_id,
                "role": minimum.role,
                "amount": amount,
                "completed_at": due.completed_by,
                "statement_id": statement_id,
            },
            # The brand's side, dated at the period's cutoff (see _settleable).
            {
                **common,
                "party_id": brand_party_id,
                "role": SettlementRole.BRAND,
                "amount": -amount,
                "completed_at": due.completed_by,
                "statement_id": None,
            },
        ]
        await self.session.execute(sa.insert(E), rows)
        await self.session.execute(
            sa.update(S).where(S.id == statement_id).values(total=S.total + amount, updated_at=now)
        )

    async def rebuild(self, statement_id: int, party_id: int, currency: str, due: Cutoff) -> None:
        # Only what is no longer settleable leaves (an earlier cutoff); the rest stays rather than being
        # released and claimed again (every entry of the month rewritten twice).
        await self.session.execute(
            sa.update(E)
            .where(E.statement_id == statement_id, E.order_id.is_not(None), sa.not_(_settleable(due)))
            .values(statement_id=None)
        )
        await self.session.execute(
            sa.update(E)
            .where(E.statement_id.is_(None), E.party_id == party_id, E.currency == currency, _settleable(due))
            .values(statement_id=statement_id)
        )
        total = sa.select(sa.func.coalesce(sa.func.sum(E.amount), 0)).where(E.statement_id == statement_id)
        await self.session.execute(
            sa.update(S).where(S.id == statement_id).values(total=total.scalar_subquery(), updated_at=self.clock())
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
