"""The demo's settlement set-up: a franchise store and a concession counter with their parties, the
mall hosting the counter, the rules the tour settles with, and a referral code on every location
(the same seed giving the same codes); its order history carries the entries its completions wrote,
so each month's statements add up to the net sales of the orders they settle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.demo import seed_demo
from db.demo_catalogue import EPOCH
from db.demo_settlement import CONCESSION_STORE, FRANCHISE_STORE
from db.models import (
    Location,
    Order,
    OrderEvent,
    OrderLine,
    Party,
    SettlementEntry,
    SettlementRule,
    SettlementStatement,
)
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole, staff
from domain.orders.model import OrderStatus
from domain.orders.records import OrderEventType
from domain.settlement.model import PartyKind, SettlementEvent, SettlementRole
from domain.settlement.statements import generate
from tests.conftest import truncate_all

WINDOW_DAYS = 7


async def test_the_demo_has_a_franchise_store_a_concession_and_their_rules(engine: AsyncEngine) -> None:
    await seed_demo(engine, products=60, seed=1, promotions=False)
    async with engine.connect() as conn:
        owners = dict(
            (await conn.execute(select(Location.code, Party.kind).join(Party, Party.id == Location.party_id))).all()
        )
        codes = (await conn.scalars(select(Location.referral_code).order_by(Location.id))).all()
        roles = sorted((await conn.scalars(select(SettlementRule.role))).all())
        kinds = sorted((await conn.scalars(select(Party.kind))).all())
    assert owners == {FRANCHISE_STORE: PartyKind.FRANCHISEE, CONCESSION_STORE: PartyKind.CONCESSION}
    assert len(set(codes)) == len(codes) >= 5, "a distinct referral code on every location"
    assert kinds == sorted([PartyKind.BRAND, PartyKind.FRANCHISEE, PartyKind.CONCESSION, PartyKind.PLATFORM])
    assert roles == sorted(
        [
            SettlementRole.SELLER,
            SettlementRole.SELLER,
            SettlementRole.HOST,
            SettlementRole.REFERRER,
            SettlementRole.GUIDE,
            SettlementRole.FULFILLER,
        ]
    )
    assert codes == await _codes_of_a_second_seeding(engine)


async def _codes_of_a_second_seeding(engine: AsyncEngine) -> list[str]:
    await truncate_all(engine)
    await seed_demo(engine, products=60, seed=1, promotions=False)
    async with engine.connect() as conn:
        return list((await conn.scalars(select(Location.referral_code).order_by(Location.id))).all())


def _months(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    bounds = [start]
    while bounds[-1] < end:
        b = bounds[-1]
        bounds.append(b.replace(year=b.year + b.month // 12, month=b.month % 12 + 1))
    return list(pairwise(bounds))


async def _completed_net(session: AsyncSession, after: datetime, by: datetime) -> Decimal:
    """The net sales (no discounts in the demo: the lines' totals) of the orders completed in (after, by]."""
    completed = select(OrderEvent.order_id).where(
        OrderEvent.type == OrderEventType.COMPLETED, OrderEvent.created_at > after, OrderEvent.created_at <= by
    )
    total = await session.scalar(
        select(func.coalesce(func.sum(OrderLine.total), 0)).where(OrderLine.order_id.in_(completed))
    )
    return Decimal(total)


async def test_each_demo_months_statements_add_up_to_the_net_sales_of_the_orders_they_settle(
    engine: AsyncEngine,
) -> None:
    await seed_demo(engine, products=60, seed=1, members=30, orders=600, promotions=False)
    admin = staff(1, StaffRole.ADMIN)
    settled: list[tuple[Decimal, Decimal]] = []
    last_cutoff = datetime(2000, 1, 1, tzinfo=UTC)
    for start, end in _months(datetime(2025, 1, 1, tzinfo=UTC), EPOCH):
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            uow = SqlUnitOfWork(session)
            ids = await generate(uow, admin, start=start, end=end, party_id=None, window_days=WINDOW_DAYS, now=EPOCH)
            total = await session.scalar(
                select(func.coalesce(func.sum(SettlementStatement.total), 0)).where(SettlementStatement.id.in_(ids))
            )
            cutoff = end - timedelta(days=WINDOW_DAYS)
            settled.append((Decimal(total), await _completed_net(session, last_cutoff, cutoff)))
            last_cutoff = cutoff
    assert [statements for statements, _ in settled] == [net for _, net in settled]
    assert sum(net for _, net in settled) > 0 and len(settled) == 12

    async with AsyncSession(engine) as session:
        by_kind = {
            kind: total
            for kind, total in await session.execute(
                select(Party.kind, func.sum(SettlementStatement.total))
                .join(Party, Party.id == SettlementStatement.party_id)
                .group_by(Party.kind)
            )
        }
        referred = await session.scalar(
            select(func.count()).where(Order.referring_location_id.is_not(None), Order.status == OrderStatus.COMPLETED)
        )
        lines = (
            await session.execute(
                select(OrderLine.total, func.sum(SettlementEntry.amount))
                .join(SettlementEntry, SettlementEntry.order_line_id == OrderLine.id)
                .where(SettlementEntry.event == SettlementEvent.SALE)
                .group_by(OrderLine.id, OrderLine.total)
            )
        ).all()
    assert {PartyKind.BRAND, PartyKind.FRANCHISEE, PartyKind.CONCESSION, PartyKind.PLATFORM} <= set(by_kind)
    assert referred, "some online shoppers scanned a store's code"
    assert lines and all(Decimal(net) == Decimal(split) for net, split in lines), "each line splits to its net"
