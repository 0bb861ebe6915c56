"""Stock use cases over the in-memory unit of work: adjust, transfer and the reservation life
cycle keep `0 <= reserved <= on_hand` and write one movement per change."""

from __future__ import annotations

import pytest

from domain.errors import DomainError, DomainErrors
from domain.inventory.model import Allocation, MovementKind
from domain.inventory.services import adjust_stock, move_allocations, sell_from_shelf, transfer_stock
from tests.fakes import FakeUow

V, A, B = 7, 1, 2  # a variant and two locations


@pytest.fixture
def uow() -> FakeUow:
    uow = FakeUow()
    uow.inventory.stock(V, A, on_hand=10, reserved=4)
    uow.inventory.locations[B] = uow.inventory.locations[A]
    return uow


async def adjust(uow: FakeUow, delta: int, **kw: object) -> None:
    args: dict[str, object] = {"variant_id": V, "location_id": A, "delta": delta, "reason": "count", "staff_id": 3}
    await adjust_stock(uow, **{**args, **kw})  # type: ignore[arg-type]


async def test_an_adjustment_counts_stock_in_and_writes_a_movement(uow: FakeUow) -> None:
    await adjust(uow, 5, reason="  delivery  ")
    assert uow.level(V, A) == (15, 4)
    [m] = uow.inventory.movements
    assert (m.kind, m.on_hand_delta, m.reserved_delta, m.reason, m.staff_id) == (
        MovementKind.ADJUSTMENT,
        5,
        0,
        "delivery",
        3,
    )


async def test_reserved_units_cannot_be_counted_out(uow: FakeUow) -> None:
    with pytest.raises(DomainError) as caught:
        await adjust(uow, -7)
    assert caught.value.code == "INSUFFICIENT_STOCK"
    assert "Only 6 units" in caught.value.message
    assert uow.level(V, A) == (10, 4) and uow.inventory.movements == []
    await adjust(uow, -6)
    assert uow.level(V, A) == (4, 4)


async def test_an_adjustment_needs_a_non_zero_delta_and_a_reason_reported_together(uow: FakeUow) -> None:
    with pytest.raises(DomainErrors) as caught:
        await adjust(uow, 0, reason=" ")
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("INVALID_QUANTITY", ["input", "delta"]),
        ("REQUIRED", ["input", "reason"]),
    ]


async def test_a_receipt_only_adds_stock(uow: FakeUow) -> None:
    with pytest.raises(DomainError) as caught:
        await adjust(uow, -1, kind=MovementKind.RECEIVE)
    assert caught.value.code == "INVALID_QUANTITY"


async def test_adjusting_an_unknown_variant_or_location_is_not_found(uow: FakeUow) -> None:
    for kw in ({"variant_id": 99}, {"location_id": 99}, {"variant_id": None}):
        with pytest.raises(DomainError) as caught:
            await adjust(uow, 1, **kw)
        assert caught.value.code == "NOT_FOUND"
    assert uow.inventory.movements == []


async def test_an_adjustment_at_a_new_location_starts_its_stock_level(uow: FakeUow) -> None:
    await adjust(uow, 3, location_id=B)
    assert uow.level(V, B) == (3, 0)


async def test_a_transfer_moves_available_units_under_one_reference(uow: FakeUow) -> None:
    reference = await transfer_stock(uow, variant_id=V, from_location_id=A, to_location_id=B, quantity=6, staff_id=3)
    assert uow.level(V, A) == (4, 4) and uow.level(V, B) == (6, 0)
    assert [(m.kind, m.location_id, m.on_hand_delta, m.reference) for m in uow.inventory.movements] == [
        (MovementKind.TRANSFER_OUT, A, -6, reference),
        (MovementKind.TRANSFER_IN, B, 6, reference),
    ]


async def test_a_transfer_cannot_take_reserved_units(uow: FakeUow) -> None:
    with pytest.raises(DomainError) as caught:
        await transfer_stock(uow, variant_id=V, from_location_id=A, to_location_id=B, quantity=7, staff_id=3)
    assert (caught.value.code, caught.value.field) == ("INSUFFICIENT_STOCK", ["input", "quantity"])
    assert uow.level(V, A) == (10, 4) and uow.inventory.movements == []


async def test_a_transfer_goes_to_another_location(uow: FakeUow) -> None:
    with pytest.raises(DomainError) as caught:
        await transfer_stock(uow, variant_id=V, from_location_id=A, to_location_id=A, quantity=1, staff_id=3)
    assert caught.value.code == "INVALID"


async def test_a_reservation_beyond_what_is_available_names_the_line(uow: FakeUow) -> None:
    wanted = [Allocation("0", V, A, 6), Allocation("1", V, A, 1)]
    with pytest.raises(DomainError) as caught:
        await move_allocations(uow, wanted, MovementKind.RESERVATION, "order:1")
    assert (caught.value.code, caught.value.field) == ("INSUFFICIENT_STOCK", ["lines", "1"])


async def test_the_reservation_life_cycle_keeps_reserved_within_on_hand(uow: FakeUow) -> None:
    units = [Allocation("0", V, A, 3)]
    await move_allocations(uow, units, MovementKind.RESERVATION, "order:1")
    assert uow.level(V, A) == (10, 7)
    await move_allocations(uow, units, MovementKind.SALE, "order:1")
    assert uow.level(V, A) == (7, 4)
    await move_allocations(uow, units, MovementKind.RETURN, "order:1")
    assert uow.level(V, A) == (10, 4)
    await move_allocations(uow, [Allocation("0", V, A, 4)], MovementKind.RELEASE, "order:0")
    assert uow.level(V, A) == (10, 0)
    with pytest.raises(DomainError):
        await move_allocations(uow, units, MovementKind.RELEASE, "order:1")  # nothing left reserved


async def test_a_return_restocks_a_location_that_never_held_the_variant(uow: FakeUow) -> None:
    await move_allocations(uow, [Allocation("0", V, B, 2)], MovementKind.RETURN, "order:1")
    assert uow.level(V, B) == (2, 0)


async def test_a_shelf_sale_takes_only_available_units(uow: FakeUow) -> None:
    await sell_from_shelf(uow, [Allocation("0", V, A, 6)], "order:2")
    assert uow.level(V, A) == (4, 4)
    with pytest.raises(DomainError) as caught:
        await sell_from_shelf(uow, [Allocation("0", V, A, 1)], "order:3")
    assert caught.value.code == "INSUFFICIENT_STOCK"
