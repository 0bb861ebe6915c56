"""The inventory ledger: every stock level is the sum of its movements, and the database itself
refuses a stock level that promises more than is on hand."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_session_factory
from db.models import InventoryMovement, StockLevel
from db.uow import SqlUnitOfWork
from domain.errors import DomainError
from domain.inventory.model import Allocation, LocationType, MovementKind
from domain.inventory.services import Change, adjust_stock, move_allocations, sell_from_shelf, transfer_stock
from tests.inventory_fixtures import Level, add_location, ledger, level, sellable_products, set_stock, snapshot

pytestmark = pytest.mark.usefixtures("demo")

T = TypeVar("T")
Key = tuple[int, int]  # (variant id, location id)


async def in_transaction(engine: AsyncEngine, work: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
    """Run a use case as a mutation does: its own session, one transaction."""
    async with create_session_factory(engine)() as session:
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            return await work(uow)


async def assert_ledger_holds(engine: AsyncEngine) -> int:
    rows = await ledger(engine)
    bad = [row for row in rows if not row.consistent]
    assert not bad, bad
    return len(rows)


class Model:
    """What the stock should be: on hand and reserved per (variant, location)."""

    def __init__(self) -> None:
        self.levels: dict[Key, list[int]] = {}

    def fits(self, changes: list[tuple[Key, int, int]]) -> bool:
        after: dict[Key, list[int]] = {}
        for key, on_hand, reserved in changes:
            cur = after.setdefault(key, list(self.levels.get(key, [0, 0])))
            cur[0] += on_hand
            cur[1] += reserved
        return all(0 <= r <= o for o, r in after.values())

    def apply(self, changes: list[tuple[Key, int, int]]) -> None:
        for key, on_hand, reserved in changes:
            cur = self.levels.setdefault(key, [0, 0])
            cur[0] += on_hand
            cur[1] += reserved


EFFECTS = {
    MovementKind.RESERVATION: (0, 1),
    MovementKind.RELEASE: (0, -1),
    MovementKind.SALE: (-1, -1),
    MovementKind.RETURN: (1, 0),
}


@pytest.mark.parametrize("seed", [1, 2])
async def test_a_mixed_workload_keeps_every_level_equal_to_its_ledger(engine: AsyncEngine, seed: int) -> None:
    rng = random.Random(seed)
    variants = [v for p in await sellable_products(engine, 2) for v in p.variant_ids][:4]
    locations = [
        await add_location(engine, type=LocationType.WAREHOUSE),
        await add_location(engine),
        await add_location(engine, channels=("online", "pos")),
    ]
    model = Model()
    for v in variants:
        await set_stock(engine, v, locations[0], on_hand=20)
        model.apply([((v, locations[0]), 20, 0)])
    outstanding: list[tuple[Allocation, str]] = []  # reservations not yet released or sold
    outcomes: dict[str, list[bool]] = defaultdict(list)

    for step in range(120):
        op = rng.choice(
            ["adjust", "adjust", "transfer", "transfer", "reserve", "reserve", "release", "sell", "return", "shelf"]
        )
        v, loc = rng.choice(variants), rng.choice(locations)
        reference = f"order-{step}"
        allocations: list[Allocation] = []
        work: Callable[[SqlUnitOfWork], Awaitable[object]]
        if op == "adjust":
            delta = rng.choice([-1, 1]) * rng.randint(1, 12)
            changes = [((v, loc), delta, 0)]
            kind = MovementKind.RECEIVE if delta > 0 and rng.random() < 0.5 else MovementKind.ADJUSTMENT
            work = partial(
                adjust_stock, variant_id=v, location_id=loc, delta=delta, reason="count", staff_id=None, kind=kind
            )
        elif op == "transfer":
            target = rng.choice([x for x in locations if x != loc])
            quantity = rng.randint(1, 10)
            changes = [((v, loc), -quantity, 0), ((v, target), quantity, 0)]
            work = partial(
                transfer_stock,
                variant_id=v,
                from_location_id=loc,
                to_location_id=target,
                quantity=quantity,
                staff_id=None,
            )
        elif op in ("reserve", "shelf"):
            allocations = [
                Allocation(f"line{i}", rng.choice(variants), rng.choice(locations), rng.randint(1, 4))
                for i in range(rng.randint(1, 3))
            ]
            on_sign, reserved_sign = (0, 1) if op == "reserve" else (-1, 0)
            changes = [
                ((a.variant_id, a.location_id), on_sign * a.quantity, reserved_sign * a.quantity) for a in allocations
            ]
            work = (
                partial(
                    move_allocations,
                    allocations=allocations,
                    kind=MovementKind.RESERVATION,
                    reference=reference,
                    last=rng.random() < 0.5,  # as checkout reserves: with the commit on PostgreSQL
                )
                if op == "reserve"
                else partial(sell_from_shelf, allocations=allocations, reference=reference)
            )
        else:
            kind = {"release": MovementKind.RELEASE, "sell": MovementKind.SALE}.get(op, MovementKind.RETURN)
            if kind is not MovementKind.RETURN and outstanding and rng.random() < 0.8:
                allocation, reference = outstanding.pop(rng.randrange(len(outstanding)))
            else:  # a return (always fits), or a release or sale of what may not be reserved
                allocation = Allocation("line0", v, loc, rng.randint(1, 30))
            allocations = [allocation]
            on_sign, reserved_sign = EFFECTS[kind]
            changes = [
                (
                    (allocation.variant_id, allocation.location_id),
                    on_sign * allocation.quantity,
                    reserved_sign * allocation.quantity,
                )
            ]
            work = partial(move_allocations, allocations=allocations, kind=kind, reference=reference)

        expected = model.fits(changes)
        before = None if expected else await snapshot(engine)
        try:
            await in_transaction(engine, work)
        except DomainError as e:
            assert not expected, f"step {step} {op} {changes} refused: {e.code} {e.message}"
            assert e.code == "INSUFFICIENT_STOCK"
            assert await snapshot(engine) == before, f"step {step} {op} was refused but wrote something"
            outcomes[op].append(False)
        else:
            assert expected, f"step {step} {op} {changes} accepted although it does not fit {model.levels}"
            model.apply(changes)
            outcomes[op].append(True)
            if op == "reserve":
                outstanding.extend((a, reference) for a in allocations)

    # The workload really mixed successes and refusals.
    assert all(any(outcomes[op]) for op in ("adjust", "transfer", "reserve", "release", "sell", "return", "shelf"))
    assert not all(outcomes["transfer"]) and not all(outcomes["adjust"]) and not all(outcomes["reserve"])
    for (v, loc), (on_hand, reserved) in model.levels.items():
        assert await level(engine, v, loc) == Level(on_hand, reserved), (v, loc)
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                sa.select(StockLevel.variant_id, StockLevel.location_id).where(StockLevel.variant_id.in_(variants))
            )
        ).all()
    assert {tuple(r) for r in stored} == set(model.levels)
    await assert_ledger_holds(engine)


@pytest.mark.parametrize("last", [False, True])
async def test_a_reservation_refused_for_one_line_reserves_none(engine: AsyncEngine, last: bool) -> None:
    """`last` (checkout's way): on PostgreSQL the changes go with the COMMIT, and the refusal comes from it."""
    [product] = await sellable_products(engine, 1)
    v = product.variant_ids[0]
    a, b = await add_location(engine), await add_location(engine)
    await set_stock(engine, v, a, on_hand=5)
    await set_stock(engine, v, b, on_hand=1)
    before = await snapshot(engine)
    allocations = [Allocation("first", v, a, 5), Allocation("second", v, b, 2)]
    with pytest.raises(DomainError) as error:
        await in_transaction(
            engine, lambda uow: move_allocations(uow, allocations, MovementKind.RESERVATION, "o-1", last=last)
        )
    assert (error.value.code, error.value.field) == ("INSUFFICIENT_STOCK", ["lines", "second"])
    assert error.value.message == "Only 1 units are available there; 2 were asked for."
    assert await snapshot(engine) == before

    await in_transaction(engine, lambda uow: move_allocations(uow, allocations[:1], MovementKind.RESERVATION, "o-2"))
    with pytest.raises(DomainError):  # a sale from the shelf cannot take reserved units
        await in_transaction(engine, lambda uow: sell_from_shelf(uow, [Allocation("x", v, a, 1)], "till-1"))
    await in_transaction(engine, lambda uow: move_allocations(uow, allocations[:1], MovementKind.SALE, "o-2"))
    assert await level(engine, v, a) == Level(0, 0)
    await assert_ledger_holds(engine)


async def test_a_return_to_a_location_without_the_variant_creates_its_level(engine: AsyncEngine) -> None:
    [product] = await sellable_products(engine, 1)
    v = product.variant_ids[0]
    store = await add_location(engine)
    await in_transaction(
        engine, lambda uow: move_allocations(uow, [Allocation("l", v, store, 2)], MovementKind.RETURN, "return-1")
    )
    assert await level(engine, v, store) == Level(2, 0)
    await assert_ledger_holds(engine)


@pytest.mark.parametrize(
    "assignment", ["reserved = on_hand + 1", "on_hand = reserved - 1", "reserved = -1", "on_hand = -1, reserved = 0"]
)
async def test_the_database_refuses_a_level_that_breaks_the_invariant(engine: AsyncEngine, assignment: str) -> None:
    [product] = await sellable_products(engine, 1)
    store = await add_location(engine)
    await set_stock(engine, product.variant_ids[0], store, on_hand=3, reserved=2)
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(f"UPDATE stock_levels SET {assignment} WHERE variant_id = :v AND location_id = :l"),
                {"v": product.variant_ids[0], "l": store},
            )
    assert await level(engine, product.variant_ids[0], store) == Level(3, 2)


async def test_the_database_refuses_a_new_level_that_promises_more_than_it_holds(engine: AsyncEngine) -> None:
    [product] = await sellable_products(engine, 1)
    store = await add_location(engine)
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(StockLevel).values(
                    variant_id=product.variant_ids[0],
                    location_id=store,
                    on_hand=1,
                    reserved=2,
                    updated_at=sa.func.now(),
                )
            )
    async with engine.connect() as conn:
        assert (
            await conn.scalar(sa.select(sa.func.count()).select_from(StockLevel).where(StockLevel.location_id == store))
            == 0
        )
        assert (
            await conn.scalar(
                sa.select(sa.func.count()).select_from(InventoryMovement).where(InventoryMovement.location_id == store)
            )
            == 0
        )


async def test_stock_changes_held_for_the_commit_are_made_when_they_are_the_transactions_only_statement(
    engine: AsyncEngine,
) -> None:
    """Nothing else ran in the transaction (on PostgreSQL no BEGIN was sent yet): the changes are made all the
    same, or refused, and the connection goes back to the pool out of any transaction."""
    [product] = await sellable_products(engine, 1)
    v = product.variant_ids[0]
    a = await add_location(engine)
    await set_stock(engine, v, a, on_hand=3)
    for _ in range(3):  # the pool hands the same connection back: each time out of any transaction
        await in_transaction(engine, lambda uow: uow.inventory.apply_last([Change(v, a, 0, 1, 1, ("x",))]))
    assert await level(engine, v, a) == Level(3, 3)
    with pytest.raises(DomainError) as error:
        await in_transaction(engine, lambda uow: uow.inventory.apply_last([Change(v, a, 0, 1, 1, ("x",))]))
    assert (error.value.code, error.value.field) == ("INSUFFICIENT_STOCK", ["x"])
    await in_transaction(engine, lambda uow: uow.inventory.apply_last([Change(v, a, 0, -3, 3, ("x",))]))
    assert await level(engine, v, a) == Level(3, 0)
