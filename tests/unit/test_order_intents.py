"""Order use cases tell the repository what happened (`set_status`, `record_pickup_attempt`), never
which columns to write: a fake repository that understands only intents runs them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from domain.access.model import StaffRole, staff
from domain.errors import Code, DomainError
from domain.inventory.model import FulfilmentMethod
from domain.orders.model import OrderStatus
from domain.orders.pickup import hash_pickup_code
from domain.orders.records import OrderEventType
from domain.orders.services import OrderState, pick_up, ready_for_pickup

STORE = 7


def _order(status: OrderStatus) -> OrderState:
    return OrderState(
        id=1,
        token="tok",
        number="OS-1",
        status=status,
        method=FulfilmentMethod.PICKUP,
        channel_id=1,
        member_id=None,
        location_id=None,
        pickup_location_id=STORE,
        currency="EUR",
        total=Decimal(10),
        points_spent=0,
        points_earned=0,
        pickup_code_hash=hash_pickup_code("tok", "123456"),
        pickup_attempts=0,
        points_per_unit=Decimal(1),
    )


class FakeOrders:
    """Records the intents it is told, as (name, args)."""

    def __init__(self, order: OrderState) -> None:
        self.state = order
        self.intents: list[tuple[Any, ...]] = []

    async def order(self, token: str) -> OrderState | None:
        return self.state if token == self.state.token else None

    async def locations(self, order_id: int) -> frozenset[int]:
        return frozenset({STORE})

    async def set_status(self, order_id: int, status: OrderStatus) -> None:
        self.intents.append(("set_status", order_id, status))

    async def record_pickup_attempt(self, order_id: int) -> None:
        self.intents.append(("record_pickup_attempt", order_id))

    async def add_event(
        self,
        order_id: int,
        type: OrderEventType,
        data: Mapping[str, Any],
        *,
        staff_id: int | None,
        member_id: int | None,
    ) -> None:
        self.intents.append(("event", type))


class FakeUow:
    def __init__(self, order: OrderState) -> None:
        self.orders = FakeOrders(order)


async def test_ready_for_pickup_sets_the_status() -> None:
    uow = FakeUow(_order(OrderStatus.PAID))
    await ready_for_pickup(uow, staff(1, StaffRole.FULFILLMENT, STORE), "tok")  # type: ignore[arg-type]
    assert uow.orders.intents == [
        ("set_status", 1, OrderStatus.READY_FOR_PICKUP),
        ("event", OrderEventType.READY_FOR_PICKUP),
    ]


async def test_a_wrong_pickup_code_records_an_attempt() -> None:
    uow = FakeUow(_order(OrderStatus.READY_FOR_PICKUP))
    with pytest.raises(DomainError) as refused:
        await pick_up(uow, staff(1, StaffRole.CASHIER, STORE), "tok", "000000", policy=None)  # type: ignore[arg-type]
    assert refused.value.code is Code.PICKUP_CODE_INVALID and refused.value.keep_writes
    assert uow.orders.intents == [("record_pickup_attempt", 1), ("event", OrderEventType.PICKUP_CODE_REJECTED)]
