"""Stock use cases over the in-memory unit of work, rule by rule: what an adjustment and a transfer
accept, what they refuse before anything is written, and how each step of an order's reservation
life cycle moves a stock level."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import DomainError, DomainErrors
from domain.inventory.model import MAX_QUANTITY, Allocation, MovementKind
from domain.inventory.services import MAX_REASON, adjust_stock, move_allocations, sell_from_shelf, transfer_stock
from tests.fakes import FakeUow

V, A, B = 7, 1, 2  # a variant and two locations: A holds 10 units, 4 of them reserved; B holds none
UNKNOWN = 99


@pytest.fixture
def uow() -> FakeUow:
    uow = FakeUow()
    uow.inventory.stock(V, A, on_hand=10, reserved=4)
    uow.inventory.locations[B] = uow.inventory.locations[A]
    return uow


def problems(error: DomainError) -> list[tuple[str, list[str] | None]]:
    return [(e.code, e.field) for e in (error.errors if isinstance(error, DomainErrors) else [error])]


async def adjust(uow: FakeUow, **kw: Any) -> None:
    args: dict[str, Any] = {"variant_id": V, "location_id": A, "delta": 1, "reason": "count", "staff_id": 3}
    await adjust_stock(uow, **{**args, **kw})


async def transfer(uow: FakeUow, **kw: Any) -> str:
    args: dict[str, Any] = {"variant_id": V, "from_location_id": A, "to_location_id": B, "quantity": 1, "staff_id": 3}
    return await transfer_stock(uow, **{**args, **kw})


async def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


# --- adjustments -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "kind", "message"),
    [
        (0, MovementKind.ADJUSTMENT, "The change cannot be zero."),
        (MAX_QUANTITY + 1, MovementKind.ADJUSTMENT, f"At most {MAX_QUANTITY:,} units in one movement."),
        (-MAX_QUANTITY - 1, MovementKind.ADJUSTMENT, f"At most {MAX_QUANTITY:,} units in one movement."),
        (-1, MovementKind.RECEIVE, "A receipt adds stock."),
        (0, MovementKind.RECEIVE, "The change cannot be zero."),
    ],
)
async def test_a_delta_must_be_a_sensible_non_zero_change(
    uow: FakeUow, delta: int, kind: MovementKind, message: str
) -> None:
    error = await refused(adjust(uow, delta=delta, kind=kind))
    assert (error.code, error.field, error.message) == ("INVALID_QUANTITY", ["input", "delta"], message)
    assert uow.level(V, A) == (10, 4) and uow.inventory.movements == []


@pytest.mark.parametrize("delta", [1, -6, MAX_QUANTITY])
async def test_any_change_within_the_limits_that_keeps_reserved_units_is_counted(uow: FakeUow, delta: int) -> None:
    await adjust(uow, delta=delta)
    assert uow.level(V, A) == (10 + delta, 4)


@pytest.mark.parametrize(
    ("reason", "code"), [("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * (MAX_REASON + 1), "INVALID")]
)
async def test_a_reason_is_required_and_short(uow: FakeUow, reason: str, code: str) -> None:
    error = await refused(adjust(uow, reason=reason))
    assert problems(error) == [(code, ["input", "reason"])]


async def test_a_reason_of_the_longest_length_is_kept_trimmed(uow: FakeUow) -> None:
    await adjust(uow, reason=f"  {'x' * MAX_REASON}  ")
    assert uow.inventory.movements[0].reason == "x" * MAX_REASON


async def test_input_errors_are_reported_before_the_variant_and_location_are_looked_up(uow: FakeUow) -> None:
    error = await refused(adjust(uow, variant_id=UNKNOWN, delta=0))
    assert problems(error) == [("INVALID_QUANTITY", ["input", "delta"])]


@pytest.mark.parametrize(
    ("variant_id", "location_id", "fields"),
    [
        (UNKNOWN, A, [["input", "variantId"]]),
        (None, A, [["input", "variantId"]]),  # an id of another type decodes to nothing
        (V, UNKNOWN, [["input", "locationId"]]),
        (V, None, [["input", "locationId"]]),
        (UNKNOWN, UNKNOWN, [["input", "variantId"], ["input", "locationId"]]),
    ],
)
async def test_an_adjustment_of_an_unknown_variant_or_location_is_not_found(
    uow: FakeUow, variant_id: int | None, location_id: int | None, fields: list[list[str]]
) -> None:
    error = await refused(adjust(uow, variant_id=variant_id, location_id=location_id))
    assert problems(error) == [("NOT_FOUND", f) for f in fields]
    assert uow.inventory.movements == []


async def test_counting_out_where_there_is_no_stock_level_is_a_shortfall_of_zero(uow: FakeUow) -> None:
    error = await refused(adjust(uow, location_id=B, delta=-1))
    assert (error.code, error.message) == ("INSUFFICIENT_STOCK", "Only 0 units are available there; 1 were asked for.")
    assert uow.level(V, B) == (0, 0) and uow.inventory.movements == []


@pytest.mark.parametrize("kind", [MovementKind.ADJUSTMENT, MovementKind.RECEIVE])
async def test_the_movement_records_its_kind_and_who_counted(uow: FakeUow, kind: MovementKind) -> None:
    await adjust(uow, delta=2, kind=kind, staff_id=8)
    [m] = uow.inventory.movements
    assert (m.kind, m.location_id, m.on_hand_delta, m.reserved_delta, m.staff_id) == (kind, A, 2, 0, 8)


# --- transfers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1])
async def test_a_transfer_needs_a_positive_quantity_within_the_limit(uow: FakeUow, quantity: int) -> None:
    error = await refused(transfer(uow, quantity=quantity))
    assert problems(error) == [("INVALID_QUANTITY", ["input", "quantity"])]
    assert uow.inventory.movements == []


@pytest.mark.parametrize("quantity", [7, 10, 11])
async def test_a_transfer_takes_only_unreserved_units(uow: FakeUow, quantity: int) -> None:
    error = await refused(transfer(uow, quantity=quantity))
    assert (error.code, error.field) == ("INSUFFICIENT_STOCK", ["input", "quantity"])
    assert error.message == f"Only 6 units are available there; {quantity} were asked for."
    assert uow.inventory.movements == []


async def test_a_transfer_of_every_available_unit_empties_the_source_but_not_its_reservations(uow: FakeUow) -> None:
    await transfer(uow, quantity=6)
    assert (uow.level(V, A), uow.level(V, B)) == ((4, 4), (6, 0))


@pytest.mark.parametrize(
    ("variant_id", "from_id", "to_id", "fields"),
    [
        (UNKNOWN, A, B, ["variantId"]),
        (V, UNKNOWN, B, ["fromLocationId"]),
        (V, A, UNKNOWN, ["toLocationId"]),
        (V, None, None, ["fromLocationId", "toLocationId"]),
        (UNKNOWN, UNKNOWN, UNKNOWN + 1, ["variantId", "fromLocationId", "toLocationId"]),
    ],
)
async def test_a_transfer_between_unknown_things_is_not_found_naming_each(
    uow: FakeUow, variant_id: int | None, from_id: int | None, to_id: int | None, fields: list[str]
) -> None:
    error = await refused(transfer(uow, variant_id=variant_id, from_location_id=from_id, to_location_id=to_id))
    assert problems(error) == [("NOT_FOUND", ["input", f]) for f in fields]


async def test_a_transfer_to_the_same_location_is_refused_before_anything_is_looked_up(uow: FakeUow) -> None:
    error = await refused(transfer(uow, variant_id=UNKNOWN, to_location_id=A))
    assert problems(error) == [("INVALID", ["input", "toLocationId"])]


async def test_both_sides_of_a_transfer_carry_one_reference_and_opposite_deltas(uow: FakeUow) -> None:
    reference = await transfer(uow, quantity=3)
    assert reference.startswith("transfer:")
    assert [(m.location_id, m.kind, m.on_hand_delta, m.reference) for m in uow.inventory.movements] == [
        (A, MovementKind.TRANSFER_OUT, -3, reference),
        (B, MovementKind.TRANSFER_IN, 3, reference),
    ]


async def test_every_transfer_gets_its_own_reference(uow: FakeUow) -> None:
    assert await transfer(uow) != await transfer(uow)


# --- the reservation life cycle --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "after"),
    [
        (MovementKind.RESERVATION, (10, 6)),  # promised to the order
        (MovementKind.RELEASE, (10, 2)),  # the order no longer needs them
        (MovementKind.SALE, (8, 2)),  # shipped or picked up: reserved units leave
        (MovementKind.RETURN, (12, 4)),  # back on the shelf
    ],
)
async def test_each_step_moves_on_hand_and_reserved_as_its_kind_says(
    uow: FakeUow, kind: MovementKind, after: tuple[int, int]
) -> None:
    await move_allocations(uow, [Allocation("0", V, A, 2)], kind, "order:1001", staff_id=5)
    assert uow.level(V, A) == after
    [m] = uow.inventory.movements
    assert (m.kind, m.reason, m.reference, m.staff_id) == (kind, kind.value.lower(), "order:1001", 5)


@pytest.mark.parametrize(("kind", "quantity"), [(MovementKind.RELEASE, 5), (MovementKind.SALE, 5)])
async def test_no_step_releases_or_sells_more_than_is_reserved(uow: FakeUow, kind: MovementKind, quantity: int) -> None:
    error = await refused(move_allocations(uow, [Allocation("3", V, A, quantity)], kind, "order:1001"))
    assert (error.code, error.field) == ("INSUFFICIENT_STOCK", ["lines", "3"])
    assert uow.level(V, A) == (10, 4)  # (its movement, written first, goes with the caller's rolled-back transaction)


async def test_a_reservation_of_several_lines_writes_one_movement_per_allocation(uow: FakeUow) -> None:
    uow.inventory.stock(V, B, on_hand=3)
    allocations = [Allocation("0", V, B, 1), Allocation("0", V, A, 2)]
    await move_allocations(uow, allocations, MovementKind.RESERVATION, "order:1001")
    assert (uow.level(V, A), uow.level(V, B)) == ((10, 6), (3, 1))
    assert [(m.location_id, m.reserved_delta) for m in uow.inventory.movements] == [(B, 1), (A, 2)]


async def test_a_shelf_sale_never_takes_units_reserved_for_orders(uow: FakeUow) -> None:
    error = await refused(sell_from_shelf(uow, [Allocation("1", V, A, 7)], "order:1002"))
    assert (error.code, error.field) == ("INSUFFICIENT_STOCK", ["lines", "1"])
    await sell_from_shelf(uow, [Allocation("1", V, A, 6)], "order:1002", staff_id=9)
    assert uow.level(V, A) == (4, 4)
    [m] = uow.inventory.movements
    assert (m.kind, m.on_hand_delta, m.reserved_delta, m.reference, m.staff_id) == (
        MovementKind.SALE,
        -6,
        0,
        "order:1002",
        9,
    )
