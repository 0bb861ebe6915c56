"""Stock under real parallel load on PostgreSQL: no oversell, no lost or invented units, no deadlocks.

Every task is its own "request": its own session from the engine's pool, its own unit of work and
transaction, launched together with `asyncio.gather`. The pool holds 20 connections, so tasks queue
for one; at most 20 transactions overlap at any moment, racing on the same rows.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_session_factory
from db.uow import SqlUnitOfWork
from domain.errors import DomainError
from domain.inventory.model import Allocation, LocationType, MovementKind
from domain.inventory.services import adjust_stock, move_allocations, sell_from_shelf, transfer_stock
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import (
    Level,
    add_location,
    ledger,
    level,
    location_gid,
    movement_count,
    sellable_products,
    set_stock,
    variant_gid,
)

pytestmark = pytest.mark.usefixtures("demo")


@dataclass
class Race:
    """Runs units of work in parallel and tallies how each ended."""

    engine: AsyncEngine
    outcomes: Counter[str] = field(default_factory=Counter)
    database_errors: list[str] = field(default_factory=list)
    running: int = 0
    peak: int = 0

    def __post_init__(self) -> None:
        self.sessions = create_session_factory(self.engine)

    @asynccontextmanager
    async def _counted(self) -> AsyncIterator[None]:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            self.running -= 1

    async def one(self, work: Callable[[SqlUnitOfWork], Awaitable[object]]) -> str:
        async with self.sessions() as session:
            uow = SqlUnitOfWork(session)
            try:
                async with uow.transaction(), self._counted():
                    await work(uow)
            except DomainError as e:
                outcome = e.code
            except DBAPIError as e:  # a deadlock or serialisation failure would surface as a server error
                self.database_errors.append(f"{type(e.orig).__name__}: {e.orig}")
                outcome = "DATABASE_ERROR"
            else:
                outcome = "OK"
        self.outcomes[outcome] += 1
        return outcome

    async def all(self, works: list[Callable[[SqlUnitOfWork], Awaitable[object]]]) -> list[str]:
        return list(await asyncio.gather(*(self.one(w) for w in works)))


async def assert_ledger_holds(engine: AsyncEngine) -> None:
    bad = [row for row in await ledger(engine) if not row.consistent]
    assert not bad, bad


async def test_200_buyers_race_for_20_units(pg: AsyncEngine) -> None:
    [product] = await sellable_products(pg, 1)
    v = product.variant_ids[0]
    store = await add_location(pg)
    await set_stock(pg, v, store, on_hand=20)
    race = Race(pg)

    def reserve(i: int) -> Callable[[SqlUnitOfWork], Awaitable[object]]:
        return lambda uow: move_allocations(
            uow, [Allocation("line", v, store, 1)], MovementKind.RESERVATION, f"order-{i}"
        )

    results = await race.all([reserve(i) for i in range(200)])
    assert race.database_errors == []
    assert Counter(results) == {"OK": 20, "INSUFFICIENT_STOCK": 180}
    assert race.peak > 1, "the reservations never overlapped"
    assert await level(pg, v, store) == Level(20, 20)
    assert await movement_count(pg, v, store, MovementKind.RESERVATION) == 20
    await assert_ledger_holds(pg)


async def test_multi_line_reservations_in_opposite_orders_do_not_deadlock(pg: AsyncEngine) -> None:
    products = await sellable_products(pg, 2)
    first, second = products[0].variant_ids[0], products[1].variant_ids[0]
    a, b = await add_location(pg), await add_location(pg)
    for v in (first, second):
        for loc in (a, b):
            await set_stock(pg, v, loc, on_hand=30)
    rng = random.Random(7)
    race = Race(pg)

    def order(i: int) -> Callable[[SqlUnitOfWork], Awaitable[object]]:
        lines = [
            Allocation(f"l{j}", v, loc, rng.randint(1, 3))
            for j, (v, loc) in enumerate([(first, a), (second, b), (first, b), (second, a)])
        ]
        rng.shuffle(lines)  # each buyer lists the lines in its own order
        return lambda uow: move_allocations(uow, lines, MovementKind.RESERVATION, f"order-{i}")

    results = await race.all([order(i) for i in range(120)])
    assert race.database_errors == []
    assert set(results) <= {"OK", "INSUFFICIENT_STOCK"} and "OK" in results and "INSUFFICIENT_STOCK" in results
    for v in (first, second):
        for loc in (a, b):
            stock = await level(pg, v, loc)
            assert stock is not None and stock.on_hand == 30 and 0 <= stock.reserved <= 30
    await assert_ledger_holds(pg)


async def test_transfers_back_and_forth_never_create_or_lose_a_unit(pg: AsyncEngine) -> None:
    [product] = await sellable_products(pg, 1)
    v = product.variant_ids[0]
    a = await add_location(pg, type=LocationType.WAREHOUSE)
    b = await add_location(pg)
    await set_stock(pg, v, a, on_hand=40, reserved=5)
    await set_stock(pg, v, b, on_hand=25)
    rng = random.Random(11)
    plan = [(a, b) if rng.random() < 0.5 else (b, a) for _ in range(100)]
    quantities = [rng.randint(1, 15) for _ in plan]
    race = Race(pg)

    def move(source: int, target: int, quantity: int) -> Callable[[SqlUnitOfWork], Awaitable[object]]:
        return lambda uow: transfer_stock(
            uow, variant_id=v, from_location_id=source, to_location_id=target, quantity=quantity, staff_id=None
        )

    results = await race.all([move(s, t, q) for (s, t), q in zip(plan, quantities, strict=True)])
    assert race.database_errors == [], race.database_errors[:3]
    assert set(results) <= {"OK", "INSUFFICIENT_STOCK"}
    assert race.peak > 1
    moved_to_b = sum(q if s == a else -q for (s, _), q, r in zip(plan, quantities, results, strict=True) if r == "OK")
    after_a, after_b = await level(pg, v, a), await level(pg, v, b)
    assert after_a == Level(40 - moved_to_b, 5) and after_b == Level(25 + moved_to_b, 0)
    assert after_a.on_hand + after_b.on_hand == 65
    assert await movement_count(pg, v, kind=MovementKind.TRANSFER_OUT) == results.count("OK")
    assert await movement_count(pg, v, kind=MovementKind.TRANSFER_IN) == results.count("OK")
    await assert_ledger_holds(pg)


async def test_a_concurrent_mixed_workload_keeps_the_ledger_and_the_invariant(pg: AsyncEngine) -> None:
    products = await sellable_products(pg, 2)
    variants = [products[0].variant_ids[0], products[1].variant_ids[0]]
    locations = [await add_location(pg, type=LocationType.WAREHOUSE), await add_location(pg), await add_location(pg)]
    for v in variants:
        for loc in locations:
            await set_stock(pg, v, loc, on_hand=15)
    rng = random.Random(3)
    race = Race(pg)

    def task(i: int) -> Callable[[SqlUnitOfWork], Awaitable[object]]:
        v, loc, other = rng.choice(variants), *rng.sample(locations, 2)
        n = rng.randint(1, 4)
        reference = f"order-{i}"
        match rng.choice(["adjust", "transfer", "reserve", "reserve", "shelf", "return", "reserve-and-sell"]):
            case "adjust":
                delta = rng.choice([-n, n])
                return lambda uow: adjust_stock(
                    uow, variant_id=v, location_id=loc, delta=delta, reason="count", staff_id=None
                )
            case "transfer":
                return lambda uow: transfer_stock(
                    uow, variant_id=v, from_location_id=loc, to_location_id=other, quantity=n, staff_id=None
                )
            case "reserve":
                lines = [Allocation("a", v, loc, n), Allocation("b", v, other, 1)]
                return lambda uow: move_allocations(uow, lines, MovementKind.RESERVATION, reference)
            case "shelf":
                return lambda uow: sell_from_shelf(uow, [Allocation("a", v, loc, n)], reference)
            case "return":
                return lambda uow: move_allocations(uow, [Allocation("a", v, loc, n)], MovementKind.RETURN, reference)
            case _:

                async def reserve_and_sell(uow: SqlUnitOfWork) -> None:
                    lines = [Allocation("a", v, loc, n)]
                    await move_allocations(uow, lines, MovementKind.RESERVATION, reference)
                    await move_allocations(uow, lines, MovementKind.SALE, reference)

                return reserve_and_sell

    results = await race.all([task(i) for i in range(150)])
    assert race.database_errors == [], race.database_errors[:3]
    assert set(results) <= {"OK", "INSUFFICIENT_STOCK"} and results.count("OK") > 50
    await assert_ledger_holds(pg)


ADJUST = """
mutation($input: StockAdjustInput!) {
  stockAdjust(input: $input) { stockLevel { onHand } userErrors { code } }
}"""


async def test_50_concurrent_stock_adjusts_through_the_graph_take_out_10_units(
    pg: AsyncEngine, client: GraphQLClient
) -> None:
    [product] = await sellable_products(pg, 1)
    v = product.variant_ids[0]
    store = await add_location(pg)
    await set_stock(pg, v, store, on_hand=10)
    token = await client.staff_token(pg)
    variables = {
        "input": {
            "variantId": variant_gid(v),
            "locationId": location_gid(store),
            "delta": -1,
            "reason": "damaged in the rush",
        }
    }

    bodies = await asyncio.gather(*(client.post(ADJUST, variables, token=token) for _ in range(50)))
    assert [b for b in bodies if "errors" in b] == []
    outcomes = Counter(tuple(e["code"] for e in b["data"]["stockAdjust"]["userErrors"]) or "OK" for b in bodies)
    assert outcomes == {"OK": 10, ("INSUFFICIENT_STOCK",): 40}
    on_hands = sorted(
        b["data"]["stockAdjust"]["stockLevel"]["onHand"]
        for b in bodies
        if b["data"]["stockAdjust"]["stockLevel"] is not None
    )
    assert len(on_hands) == 10 and all(0 <= n < 10 for n in on_hands)
    assert await level(pg, v, store) == Level(0, 0)
    assert await movement_count(pg, v, store, MovementKind.ADJUSTMENT) == 10
    await assert_ledger_holds(pg)
