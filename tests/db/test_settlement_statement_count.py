"""Generating a period's statements sends the same SQL statements for 3 parties as for 10 (issue #19:
a chain with hundreds of franchisees must not send thousands), and each party's statement still holds
its entries, a guaranteed minimum topped up at the brand's expense."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.demo import seed_demo
from db.demo_catalogue import EPOCH
from db.models import Order, Party, SettlementEntry, SettlementRule, SettlementStatement
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole, staff
from domain.settlement.model import PartyKind, SettlementEvent, SettlementRole
from domain.settlement.statements import generate
from tests.helpers import StatementCounter

WINDOW_DAYS = 7
NOW = EPOCH + timedelta(days=100)
MINIMUM = Decimal("1000.00")


async def _franchisees(engine: AsyncEngine, names: list[str]) -> list[int]:
    async with engine.begin() as conn:
        made = await conn.execute(
            sa.insert(Party).returning(Party.id),
            [{"name": n, "kind": PartyKind.FRANCHISEE, "created_at": EPOCH} for n in names],
        )
        return [row.id for row in made]


async def _sales(engine: AsyncEngine, parties: list[int], completed: timedelta) -> None:
    """A sale of 10.00 and a return of 2.50 for each of `parties`, completed `completed` after the demo's
    epoch, the brand bearing the opposite."""
    async with engine.begin() as conn:
        order = await conn.scalar(sa.select(sa.func.min(Order.id)))
        brand = await conn.scalar(sa.select(Party.id).where(Party.kind == PartyKind.BRAND))
        at = EPOCH + completed
        common = {"order_id": order, "currency": "CNY", "completed_at": at, "created_at": at}
        rows = [
            {**common, "party_id": party, "role": role, "event": event, "amount": amount * sign}
            for p in parties
            for event, amount in ((SettlementEvent.SALE, Decimal("10.00")), (SettlementEvent.RETURN, Decimal("-2.50")))
            for party, role, sign in ((p, SettlementRole.REFERRER, 1), (brand, SettlementRole.BRAND, -1))
        ]
        await conn.execute(sa.insert(SettlementEntry), rows)


async def _generate(engine: AsyncEngine, start_days: int, end_days: int) -> tuple[list[int], int]:
    counter = StatementCounter()
    sa.event.listen(engine.sync_engine, "before_cursor_execute", counter)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            ids = await generate(
                SqlUnitOfWork(session),
                staff(1, StaffRole.ADMIN),
                start=EPOCH + timedelta(days=start_days),
                end=EPOCH + timedelta(days=end_days),
                party_id=None,
                window_days=WINDOW_DAYS,
                now=NOW,
            )
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", counter)
    return ids, counter.count


async def test_statements_for_ten_parties_take_as_many_sql_statements_as_for_three(engine: AsyncEngine) -> None:
    await seed_demo(engine, products=20, seed=1, members=5, orders=20, promotions=False)
    first = await _franchisees(engine, ["F1", "F2", "F3"])
    await _sales(engine, first, timedelta(days=15))
    async with engine.begin() as conn:
        rule = {"role": SettlementRole.REFERRER, "party_id": first[0], "rate": Decimal(5), "currency": "CNY"}
        await conn.execute(sa.insert(SettlementRule).values(**rule, minimum_per_period=MINIMUM, created_at=EPOCH))
    three, three_sent = await _generate(engine, 10, 40)

    more = await _franchisees(engine, [f"F{n}" for n in range(4, 11)])
    await _sales(engine, first[1:] + more, timedelta(days=45))  # F1 sells nothing: its minimum alone
    ten, ten_sent = await _generate(engine, 40, 70)

    # The first period also settles the demo's history: its franchisee, concession and platform.
    assert (len(three), len(ten)) == (3 + 3 + 1, 10 + 1), "each party's statement and the brand's"
    assert ten_sent == three_sent, "the same SQL statements whatever the number of parties"
    async with AsyncSession(engine) as session:
        owed = dict(
            (
                await session.execute(
                    sa.select(SettlementStatement.party_id, SettlementStatement.total).where(
                        SettlementStatement.id.in_(ten)
                    )
                )
            ).all()
        )
        collected = await session.scalar(
            sa.select(sa.func.sum(SettlementEntry.amount)).where(SettlementEntry.statement_id.in_(ten))
        )
    assert owed[first[0]] == MINIMUM, "topped up to its minimum with no sale in the period"
    assert [owed[p] for p in first[1:] + more] == [Decimal("7.50")] * 9
    assert sum(owed.values()) == collected == 0, "what the franchisees earn, the brand gives up"
