"""Transfers in transit over the in-memory unit of work: units leave the sender when sent and
join the receiver when its staff count them in, once, never more than were sent."""

from __future__ import annotations

import pytest

from domain.access.model import AccessDenied, StaffRole, staff
from domain.errors import Code, DomainError
from domain.inventory.model import MovementKind, TransferStatus
from domain.inventory.transfers import receive_transfer, send_transfer
from tests.fakes import FakeUow
from tests.fakes.stock import FakeTransfers

V, SENDER, RECEIVER, ELSEWHERE = 7, 1, 2, 3
ADMIN = staff(1, StaffRole.ADMIN)
AT_SENDER = staff(2, StaffRole.STORE_MANAGER, SENDER)
AT_RECEIVER = staff(3, StaffRole.STORE_MANAGER, RECEIVER)


class Uow(FakeUow):
    def __init__(self) -> None:
        super().__init__()
        self.transfers = FakeTransfers()


@pytest.fixture
def uow() -> Uow:
    uow = Uow()
    uow.inventory.stock(V, SENDER, on_hand=10, reserved=4)
    for location in (RECEIVER, ELSEWHERE):
        uow.inventory.locations[location] = uow.inventory.locations[SENDER]
    return uow


async def send(uow: Uow, quantity: int, principal: object = AT_SENDER, to: int = RECEIVER) -> int:
    return await send_transfer(
        uow,
        principal,
        variant_id=V,
        from_location_id=SENDER,
        to_location_id=to,
        quantity=quantity,  # type: ignore[arg-type]
    )


async def test_sent_units_leave_the_sender_and_are_in_transit(uow: Uow) -> None:
    transfer_id = await send(uow, 5)
    assert uow.level(V, SENDER) == (5, 4) and uow.inventory.levels.get((V, RECEIVER)) is None
    [out] = uow.inventory.movements
    assert (out.kind, out.location_id, out.on_hand_delta, out.staff_id) == (MovementKind.TRANSFER_OUT, SENDER, -5, 2)
    assert uow.transfers.transfers[transfer_id].status is TransferStatus.IN_TRANSIT


async def test_reserved_units_are_not_sent(uow: Uow) -> None:
    with pytest.raises(DomainError) as refused:
        await send(uow, 7)
    assert refused.value.code is Code.INSUFFICIENT_STOCK
    assert uow.level(V, SENDER) == (10, 4) and uow.transfers.transfers == {}


async def test_a_store_sends_only_its_own_stock(uow: Uow) -> None:
    with pytest.raises(AccessDenied):
        await send(uow, 1, principal=AT_RECEIVER)


async def test_the_receiver_counts_in_what_arrived_and_the_rest_stays_lost_on_the_transfer(uow: Uow) -> None:
    transfer_id = await send(uow, 5)
    await receive_transfer(uow, AT_RECEIVER, transfer_id, 4)
    assert uow.level(V, RECEIVER) == (4, 0)
    transfer = uow.transfers.transfers[transfer_id]
    assert (transfer.status, transfer.quantity, transfer.received_quantity) == (TransferStatus.RECEIVED, 5, 4)
    received = uow.inventory.movements[-1]
    assert (received.kind, received.on_hand_delta, received.reference) == (
        MovementKind.TRANSFER_IN,
        4,
        transfer.reference,
    )


async def test_a_transfer_is_received_once(uow: Uow) -> None:
    transfer_id = await send(uow, 2)
    await receive_transfer(uow, ADMIN, transfer_id, 2)
    with pytest.raises(DomainError) as again:
        await receive_transfer(uow, ADMIN, transfer_id, 2)
    assert again.value.code is Code.INVALID_TRANSITION and uow.level(V, RECEIVER) == (2, 0)


@pytest.mark.parametrize("counted", [-1, 3])
async def test_the_count_is_between_none_and_all_that_was_sent(uow: Uow, counted: int) -> None:
    transfer_id = await send(uow, 2)
    with pytest.raises(DomainError) as refused:
        await receive_transfer(uow, AT_RECEIVER, transfer_id, counted)
    assert refused.value.code is Code.INVALID_QUANTITY


async def test_only_the_receivers_staff_receive_and_others_do_not_see_it(uow: Uow) -> None:
    transfer_id = await send(uow, 2)
    with pytest.raises(AccessDenied):
        await receive_transfer(uow, AT_SENDER, transfer_id, 2)
    with pytest.raises(DomainError) as unseen:
        await receive_transfer(uow, staff(4, StaffRole.STORE_MANAGER, ELSEWHERE), transfer_id, 2)
    assert unseen.value.code is Code.NOT_FOUND


async def test_a_transfer_goes_to_another_location(uow: Uow) -> None:
    with pytest.raises(DomainError) as refused:
        await send(uow, 1, to=SENDER)
    assert refused.value.code is Code.INVALID
