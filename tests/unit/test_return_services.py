"""Returns through their use case, over the in-memory unit of work: units go back on the shelf
where they were sold (or where staff say), the money goes back, and points earned on them are
clawed back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import DomainErrors
from domain.members.points import PointsKind
from domain.orders.access import AccessDenied
from domain.orders.checkout import complete_checkout
from domain.orders.model import OrderStatus
from domain.orders.records import PaymentKind, PaymentMethod
from domain.orders.returns import ReturnRequest, return_goods
from tests.fakes import POS, STORE, WAREHOUSE, FakeUow
from tests.order_steps import (
    ANNA,
    BUYER,
    CASHIER,
    PAYMENTS,
    SERVICE,
    SHOES,
    completed,
    give_back,
    pay,
    place,
    refused,
)


async def test_a_return_restocks_where_the_units_were_sold_refunds_and_claws_back_points() -> None:
    uow = FakeUow()
    order = await completed(uow)
    await give_back(uow, order, 1)
    assert order.state.status is OrderStatus.PARTIALLY_RETURNED
    assert uow.level(SHOES, WAREHOUSE) == (4, 0)
    assert [(p.kind, p.amount) for p in order.payments][-1] == (PaymentKind.REFUND, Decimal("100.00"))
    assert uow.points.kinds(ANNA)[-1] == (PointsKind.CLAWBACK, -100)  # half the goods: half of 200
    await give_back(uow, order, 1)
    assert (order.state.status, uow.level(SHOES, WAREHOUSE)) == (OrderStatus.RETURNED, (5, 0))
    assert uow.points.balances[ANNA] == 0, "every point earned is clawed back"


async def test_a_return_to_a_chosen_location_restocks_there() -> None:
    uow = FakeUow()
    order = await completed(uow)
    await give_back(uow, order, 2, location_id=STORE)
    assert uow.level(SHOES, STORE) == (2, 0) and uow.level(SHOES, WAREHOUSE) == (3, 0)


async def test_more_than_was_sold_is_not_returned() -> None:
    uow = FakeUow()
    order = await completed(uow)
    error = await refused(give_back(uow, order, 3))
    assert (error.code, error.field) == ("INVALID_QUANTITY", ["input", "lines", "0", "quantity"])
    assert order.state.status is OrderStatus.COMPLETED and uow.level(SHOES, WAREHOUSE) == (3, 0)


async def test_a_return_names_every_line_that_is_not_the_orders() -> None:
    uow = FakeUow()
    order = await completed(uow)
    requests = [ReturnRequest(None, 1), ReturnRequest(999, 1)]
    with pytest.raises(DomainErrors) as caught:
        await return_goods(
            uow, SERVICE, order.state.token, requests, location_id=None, location_given=False, payments=PAYMENTS
        )
    assert [e.field for e in caught.value.errors] == [
        ["input", "lines", "0", "orderLineId"],
        ["input", "lines", "1", "orderLineId"],
    ]


async def test_a_return_to_an_unknown_location_is_not_found() -> None:
    uow = FakeUow()
    order = await completed(uow)
    error = await refused(give_back(uow, order, 1, location_id=99))
    assert (error.code, error.field) == ("NOT_FOUND", ["input", "locationId"])
    assert uow.level(SHOES, WAREHOUSE) == (3, 0)


async def test_returns_are_taken_by_customer_service_or_the_store_that_sold_the_order() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 3)
    token = uow.cart({SHOES: 1}, channel_id=POS, staff_id=CASHIER.id, location_id=STORE, member_id=ANNA)
    order = uow.orders.placed[(await complete_checkout(uow, CASHIER, token, "k", secret="s")).id]
    await pay(uow, order, CASHIER, method=PaymentMethod.CASH)
    with pytest.raises(AccessDenied):
        await return_goods(
            uow,
            BUYER,
            order.state.token,
            [ReturnRequest(order.lines[0].id, 1)],
            location_id=None,
            location_given=False,
            payments=PAYMENTS,
        )
    await return_goods(
        uow,
        CASHIER,
        order.state.token,
        [ReturnRequest(order.lines[0].id, 1)],
        location_id=None,
        location_given=False,
        payments=PAYMENTS,
    )
    assert order.state.status is OrderStatus.RETURNED and uow.level(SHOES, STORE) == (3, 0)
    assert uow.points.balances[ANNA] == 0


async def test_an_unfinished_order_is_not_returned() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    assert (await refused(give_back(uow, order, 1))).code == "INVALID_TRANSITION"
