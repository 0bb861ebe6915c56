"""Settlement reads: `parties` and `settlementRules` (keyset pages, oldest first), and the batch
queries behind `Location.party`, `Channel.party`, `SettlementRule.party` and `Order.settlementEntries`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Party, SettlementEntry, SettlementRule, SettlementStatement
from db.pagination import Ordering, Page, PageRequest, SortKey, keyset_page, parse_int
from domain.settlement.statements import SettlementStatementStatus

PARTY_ORDERING = Ordering("parties", [SortKey(Party.id, parse=parse_int)])
RULE_ORDERING = Ordering("settlement-rules", [SortKey(SettlementRule.id, parse=parse_int)])


def parties_statement(party_id: int | None = None) -> sa.Select[Any]:
    """Every party, or the one a party's staff read."""
    stmt = sa.select(Party)
    return stmt.where(Party.id == party_id) if party_id is not None else stmt


def rules_statement() -> sa.Select[Any]:
    return sa.select(SettlementRule)


async def party_page(session: AsyncSession, statement: sa.Select[Any], page: PageRequest, size: int) -> Page[Any]:
    return await keyset_page(session, statement, PARTY_ORDERING, page, size, lambda r: (r[0].id,))


async def rule_page(session: AsyncSession, page: PageRequest, size: int) -> Page[Any]:
    return await keyset_page(session, rules_statement(), RULE_ORDERING, page, size, lambda r: (r[0].id,))


async def parties_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Party]:
    return {p.id: p for p in await session.scalars(sa.select(Party).where(Party.id.in_(ids)))}


async def rules_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, SettlementRule]:
    return {r.id: r for r in await session.scalars(sa.select(SettlementRule).where(SettlementRule.id.in_(ids)))}


async def entries_by_order_ids(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, list[tuple[SettlementEntry, SettlementStatementStatus | None]]]:
    """Each order's entries, oldest first (a sale's, then each return's), with the status of the
    statement that collected each (None: none yet)."""
    grouped: dict[int, list[tuple[SettlementEntry, SettlementStatementStatus | None]]] = defaultdict(list)
    rows = await session.execute(
        sa.select(SettlementEntry, SettlementStatement.status)
        .outerjoin(SettlementStatement, SettlementStatement.id == SettlementEntry.statement_id)
        .where(SettlementEntry.order_id.in_(ids))
        .order_by(SettlementEntry.order_id, SettlementEntry.id)
    )
    for e, status in rows:
        if e.order_id is not None:  # always, by the WHERE above
            grouped[e.order_id].append((e, status))
    return grouped
