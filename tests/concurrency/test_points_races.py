"""Points under real parallel load on PostgreSQL: a balance never goes below zero, no point is lost or
invented, and the ledger always sums to the balance.

Every task is its own "request": its own session from the engine's pool, its own unit of work and
transaction, launched together with `asyncio.gather` (the pool holds 20 connections, so at most 20
transactions overlap, racing on one member's row).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_session_factory
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole
from domain.errors import DomainError
from domain.members.points_services import PointsPolicy, adjust_points, spend_points
from schema.relay import to_global_id
from tests.helpers import GraphQLClient

Work = Callable[[SqlUnitOfWork], Awaitable[object]]
ADJUST = """mutation($m: ID!, $d: Int!) {
  pointsAdjust(input: {memberId: $m, delta: $d, reason: "race"}) { member { id } userErrors { code } } }"""


async def run(engine: AsyncEngine, work: Work) -> str:
    async with create_session_factory(engine)() as session:
        uow = SqlUnitOfWork(session)
        try:
            async with uow.transaction():
                await work(uow)
        except DomainError as e:
            return e.code
        except DBAPIError as e:  # a deadlock or a broken constraint would surface as a server error
            return f"DATABASE_ERROR {type(e.orig).__name__}"
    return "OK"


async def member_with(engine: AsyncEngine, points: int) -> int:
    member_id = 0

    async def create(uow: SqlUnitOfWork) -> None:
        nonlocal member_id
        member_id = await uow.accounts.add_member("Racer", None, [], None)
        await adjust_points(
            uow, member_id=member_id, delta=points, reason="start", staff_id=None, policy=PointsPolicy()
        )

    assert await run(engine, create) == "OK"
    return member_id


async def ledger(engine: AsyncEngine, member_id: int) -> tuple[int, int, list[int]]:
    """(balance, sum of the ledger, balanceAfter of each entry in order)."""
    async with engine.connect() as conn:
        balance = await conn.scalar(sa.text("SELECT points_balance FROM members WHERE id = :m"), {"m": member_id})
        rows = (
            await conn.execute(
                sa.text("SELECT delta, balance_after FROM points_entries WHERE member_id = :m ORDER BY id"),
                {"m": member_id},
            )
        ).all()
    return int(balance), sum(r.delta for r in rows), [r.balance_after for r in rows]


async def test_50_tills_spending_a_point_each_against_10_never_overdraw(pg: AsyncEngine) -> None:
    member_id = await member_with(pg, 10)

    def spend(i: int) -> Work:
        return lambda uow: spend_points(uow, member_id, 1, f"order-{i}")

    outcomes = Counter(await asyncio.gather(*(run(pg, spend(i)) for i in range(50))))
    assert outcomes == {"OK": 10, "INSUFFICIENT_POINTS": 40}
    balance, total, balances_after = await ledger(pg, member_id)
    assert (balance, total) == (0, 0)
    assert balances_after == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0], "each spend saw the balance the one before left"


async def test_50_concurrent_point_deductions_through_the_api_against_10(
    client: GraphQLClient, pg: AsyncEngine
) -> None:
    member_id = await member_with(pg, 10)
    manager = await client.staff_token(pg, StaffRole.STORE_MANAGER)
    gid = to_global_id("Member", member_id)
    bodies = await asyncio.gather(*(client.post(ADJUST, {"m": gid, "d": -1}, token=manager) for _ in range(50)))
    assert all("errors" not in b for b in bodies), [b["errors"] for b in bodies if "errors" in b][:3]
    outcomes = Counter(next((e["code"] for e in b["data"]["pointsAdjust"]["userErrors"]), "OK") for b in bodies)
    assert outcomes == {"OK": 10, "INSUFFICIENT_POINTS": 40}
    assert (await ledger(pg, member_id))[:2] == (0, 0)


async def test_interleaved_credits_and_debits_keep_the_ledger_equal_to_the_balance(pg: AsyncEngine) -> None:
    member_id = await member_with(pg, 10)

    def change(delta: int) -> Work:
        return lambda uow: adjust_points(
            uow, member_id=member_id, delta=delta, reason="race", staff_id=None, policy=PointsPolicy()
        )

    deltas = [3 if i % 3 == 0 else -2 for i in range(60)]
    outcomes = await asyncio.gather(*(run(pg, change(d)) for d in deltas))
    assert set(outcomes) <= {"OK", "INSUFFICIENT_POINTS"}, Counter(outcomes)
    applied = sum(d for d, o in zip(deltas, outcomes, strict=True) if o == "OK")
    balance, total, balances_after = await ledger(pg, member_id)
    assert balance == total == 10 + applied
    assert min(balances_after) >= 0
