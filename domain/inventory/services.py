"""Inventory use cases: adjust, transfer, and the reservation primitives checkout uses.

Every change is one atomic conditional UPDATE of a stock level (`apply`), never
read-modify-write: the database refuses a change that would break
`0 <= reserved <= on_hand`, and the row count says whether it happened. Each change appends
a movement to the ledger in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.errors import Code, DomainError, input_field, raise_all
from domain.inventory.model import Allocation, MovementKind, validate_quantity


@dataclass(frozen=True, slots=True)
class Movement:
    variant_id: int
    location_id: int
    kind: MovementKind
    on_hand_delta: int
    reserved_delta: int
    reason: str = ""
    reference: str | None = None
    staff_id: int | None = None


@dataclass(frozen=True, slots=True)
class Level:
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class Change:
    """One conditional change of a stock level, and the input that asked for it (`wanted` units, named by
    INSUFFICIENT_STOCK when the level cannot take the change)."""

    variant_id: int
    location_id: int
    on_hand_delta: int
    reserved_delta: int
    wanted: int
    field: tuple[str, ...]


class InventoryRepository(Protocol):
    async def variant_exists(self, variant_id: int) -> bool: ...
    async def location_exists(self, location_id: int) -> bool: ...
    async def ensure_level(self, variant_id: int, location_id: int) -> None: ...
    async def apply(self, variant_id: int, location_id: int, on_hand_delta: int, reserved_delta: int) -> bool: ...
    async def apply_last(self, changes: Sequence[Change]) -> None:
        """Each change as `apply` makes it, in order, as the transaction's last writes; the first one the
        level cannot take fails the transaction with its `insufficient` error. A store may hold them
        until the commit and send them with it, so that the rows are locked only while the commit runs:
        the caller writes nothing after this call."""
        ...

    async def level(self, variant_id: int, location_id: int) -> Level | None: ...
    async def record(self, movements: Sequence[Movement]) -> None: ...


class InventoryUnitOfWork(Protocol):
    @property
    def inventory(self) -> InventoryRepository: ...


MAX_REASON = 250


async def check_targets(
    uow: InventoryUnitOfWork, variant_id: int | None, locations: Sequence[tuple[int | None, str]]
) -> None:
    """NOT_FOUND for the variant and each (location id, input field name) that does not exist."""
    errors = []
    if variant_id is None or not await uow.inventory.variant_exists(variant_id):
        errors.append(DomainError(Code.NOT_FOUND, "No such product variant.", input_field("variantId")))
    for location_id, field in locations:
        if location_id is None or not await uow.inventory.location_exists(location_id):
            errors.append(DomainError(Code.NOT_FOUND, "No such location.", input_field(field)))
    raise_all(errors)


def insufficient(available: int, wanted: int, field: Sequence[str]) -> DomainError:
    return DomainError(
        Code.INSUFFICIENT_STOCK, f"Only {available} units are available there; {wanted} were asked for.", field
    )


async def shortfall(
    uow: InventoryUnitOfWork, variant_id: int, location_id: int, wanted: int, field: list[str]
) -> DomainError:
    level = await uow.inventory.level(variant_id, location_id)
    return insufficient(level.available if level else 0, wanted, field)


async def adjust_stock(
    uow: InventoryUnitOfWork,
    *,
    variant_id: int | None,
    location_id: int | None,
    delta: int,
    reason: str,
    staff_id: int | None,
    kind: MovementKind = MovementKind.ADJUSTMENT,
) -> None:
    """Count stock in or out (a delivery, a stock-take correction, damage). Reserved units cannot
    be counted out: they are promised to orders."""
    errors = []
    try:
        validate_quantity(delta, input_field("delta"), allow_negative=True)
    except DomainError as e:
        errors.append(e)
    reason = reason.strip()
    if not reason:
        errors.append(DomainError(Code.REQUIRED, "Say why the stock changes.", input_field("reason")))
    elif len(reason) > MAX_REASON:
        errors.append(
            DomainError(Code.INVALID, f"A reason has at most {MAX_REASON} characters.", input_field("reason"))
        )
    if kind is MovementKind.RECEIVE and delta < 0:
        errors.append(DomainError(Code.INVALID_QUANTITY, "A receipt adds stock.", input_field("delta")))
    raise_all(errors)
    await check_targets(uow, variant_id, [(location_id, "locationId")])
    assert variant_id is not None and location_id is not None
    await uow.inventory.ensure_level(variant_id, location_id)
    if not await uow.inventory.apply(variant_id, location_id, delta, 0):
        raise await shortfall(uow, variant_id, location_id, -delta, input_field("delta"))
    await uow.inventory.record([Movement(variant_id, location_id, kind, delta, 0, reason, None, staff_id)])


def new_reference() -> str:
    """The reference both movements of a transfer carry."""
    return f"transfer:{uuid.uuid4().hex[:24]}"


async def transfer_stock(
    uow: InventoryUnitOfWork,
    *,
    variant_id: int | None,
    from_location_id: int | None,
    to_location_id: int | None,
    quantity: int,
    staff_id: int | None,
) -> str:
    """Move available units between locations, both sides in this transaction; returns the
    transfer reference that both movements carry."""
    validate_quantity(quantity, input_field("quantity"))
    if from_location_id is not None and from_location_id == to_location_id:
        raise DomainError(Code.INVALID, "A transfer goes to another location.", input_field("toLocationId"))
    await check_targets(uow, variant_id, [(from_location_id, "fromLocationId"), (to_location_id, "toLocationId")])
    assert variant_id is not None and from_location_id is not None and to_location_id is not None
    reference = new_reference()
    await uow.inventory.ensure_level(variant_id, to_location_id)
    # Touch the two rows in location order, so opposite transfers cannot deadlock.
    for location_id in sorted((from_location_id, to_location_id)):
        delta = -quantity if location_id == from_location_id else quantity
        if not await uow.inventory.apply(variant_id, location_id, delta, 0):
            raise await shortfall(uow, variant_id, from_location_id, quantity, input_field("quantity"))
    await uow.inventory.record(
        [
            Movement(
                variant_id, from_location_id, MovementKind.TRANSFER_OUT, -quantity, 0, "transfer", reference, staff_id
            ),
            Movement(
                variant_id, to_location_id, MovementKind.TRANSFER_IN, quantity, 0, "transfer", reference, staff_id
            ),
        ]
    )
    return reference


# ---------------------------------------------------------------------------- reservations

_EFFECTS = {
    # kind: (on_hand sign, reserved sign)
    MovementKind.RESERVATION: (0, 1),  # promise units to an order
    MovementKind.RELEASE: (0, -1),  # the order no longer needs them
    MovementKind.SALE: (-1, -1),  # reserved units leave (shipped, picked up)
    MovementKind.RETURN: (1, 0),  # returned units come back on the shelf
}


async def move_allocations(
    uow: InventoryUnitOfWork,
    allocations: Sequence[Allocation],
    kind: MovementKind,
    reference: str,
    *,
    staff_id: int | None = None,
    last: bool = False,
) -> None:
    """Apply one reservation-life-cycle step to every allocation, atomically per stock level.

    A reservation that the stock cannot cover raises INSUFFICIENT_STOCK naming the line; the
    caller's transaction then undoes the lines already reserved and the movements. The movements are
    written first, so that the stock rows, locked by the first change until the commit, are the last
    thing the transaction touches (a flash sale's buyers queue on one of them). `last`: the caller
    writes nothing more in this transaction, so the changes may go with the commit (`apply_last`).
    """
    on_sign, reserved_sign = _EFFECTS[kind]
    await uow.inventory.record(
        [
            Movement(
                a.variant_id,
                a.location_id,
                kind,
                on_sign * a.quantity,
                reserved_sign * a.quantity,
                kind.value.lower(),
                reference,
                staff_id,
            )
            for a in allocations
        ]
    )
    ordered = sorted(allocations, key=lambda a: (a.location_id, a.variant_id))
    if last and kind is not MovementKind.RETURN:
        await uow.inventory.apply_last(
            [
                Change(
                    a.variant_id,
                    a.location_id,
                    on_sign * a.quantity,
                    reserved_sign * a.quantity,
                    a.quantity,
                    ("lines", a.line_key),
                )
                for a in ordered
            ]
        )
        return
    for a in ordered:
        if kind is MovementKind.RETURN:
            await uow.inventory.ensure_level(a.variant_id, a.location_id)
        if not await uow.inventory.apply(a.variant_id, a.location_id, on_sign * a.quantity, reserved_sign * a.quantity):
            raise await shortfall(uow, a.variant_id, a.location_id, a.quantity, ["lines", a.line_key])


async def sell_from_shelf(
    uow: InventoryUnitOfWork, allocations: Sequence[Allocation], reference: str, *, staff_id: int | None = None
) -> None:
    """An in-store sale: the units leave the shelf at once, without a reservation first."""
    for a in sorted(allocations, key=lambda a: (a.location_id, a.variant_id)):
        if not await uow.inventory.apply(a.variant_id, a.location_id, -a.quantity, 0):
            raise await shortfall(uow, a.variant_id, a.location_id, a.quantity, ["lines", a.line_key])
    await uow.inventory.record(
        [
            Movement(a.variant_id, a.location_id, MovementKind.SALE, -a.quantity, 0, "sale", reference, staff_id)
            for a in allocations
        ]
    )
