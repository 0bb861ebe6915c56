"""Payment apps' use cases over the in-memory unit of work: opening a transaction, the app's answer,
reports that pay the order once, and refunds asked of the app when a paid order is cancelled or
its goods come back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.access.model import AppScope, Principal, app
from domain.errors import DomainError
from domain.orders.fulfilment_services import deliver_order, ship_order
from domain.orders.model import OrderStatus
from domain.orders.records import OrderEventType
from domain.orders.services import cancel_order
from domain.payments.model import Gateway, GatewayAnswer, TransactionEventType, TransactionStatus
from domain.payments.services import Opened, open_transaction, record_answer, report_event
from tests.fakes import FakeUow, Placed
from tests.order_steps import BUYER, PACKER, PAYMENTS, POLICY, SERVICE, events, give_back, place, refused

PAY_APP = app(7, frozenset({AppScope.PAYMENTS}))
RIVAL = app(8, frozenset({AppScope.PAYMENTS}))
E = TransactionEventType


def with_gateway(uow: FakeUow) -> None:
    uow.transactions.gateways[7] = Gateway(7, 70, "WeChat Pay", "https://pay.example.com/init", ("whsec_x",))


async def opened(uow: FakeUow, order: Placed) -> Opened:
    uow.transactions.tokens[order.state.id] = order.state.token
    return await open_transaction(uow, BUYER, order.state.token, 7)


async def report(
    uow: FakeUow, transaction_id: int, type: E, amount: str, reference: str, principal: Principal = PAY_APP
) -> int:
    return await report_event(
        uow, principal, transaction_id, type=type, amount=Decimal(amount), psp_reference=reference, policy=POLICY
    )


async def test_a_transaction_opens_for_what_is_due_at_a_known_gateway_only() -> None:
    uow = FakeUow()
    order = await place(uow)
    error = await refused(open_transaction(uow, BUYER, order.state.token, 7))
    assert (error.code, error.field) == ("NOT_FOUND", ["input", "gatewayId"])
    with_gateway(uow)
    started = await opened(uow, order)
    assert (started.amount, started.currency, started.order_status) == (order.state.total, "CNY", OrderStatus.UNPAID)
    assert uow.transactions.rows[started.transaction_id].status is TransactionStatus.PENDING


async def test_the_apps_answer_is_the_client_data_and_a_refusal_fails_the_transaction() -> None:
    uow = FakeUow()
    with_gateway(uow)
    order = await place(uow)
    started = await opened(uow, order)
    assert await record_answer(uow, started, GatewayAnswer(200, {"pspReference": "wx-1", "x": 1})) == {
        "pspReference": "wx-1",
        "x": 1,
    }
    assert uow.transactions.rows[started.transaction_id].psp_reference == "wx-1"
    again = await opened(uow, order)
    error = await refused(record_answer(uow, again, GatewayAnswer(None, None, "timed out")))
    assert (error.code, error.keep_writes) == ("GATEWAY_UNAVAILABLE", True)
    assert uow.transactions.rows[again.transaction_id].status is TransactionStatus.FAILED


async def test_a_charge_reported_before_the_apps_answer_arrived_is_not_undone_by_it() -> None:
    uow = FakeUow()
    with_gateway(uow)
    order = await place(uow)
    started = await opened(uow, order)
    await report(uow, started.transaction_id, E.CHARGE_SUCCESS, "200.00", "quick")
    await record_answer(uow, started, GatewayAnswer(200, {"pspReference": "x" * 101}))
    assert uow.transactions.rows[started.transaction_id].status is TransactionStatus.CHARGED
    assert order.state.status is OrderStatus.PAID


async def test_the_charge_that_covers_the_total_pays_the_order_once() -> None:
    uow = FakeUow()
    with_gateway(uow)
    order = await place(uow)
    first = (await opened(uow, order)).transaction_id
    await report(uow, first, E.CHARGE_SUCCESS, "150.00", "a")
    assert order.state.status is OrderStatus.UNPAID
    second = (await opened(uow, order)).transaction_id
    assert uow.transactions.rows[second].amount == Decimal("50.00")  # what is left
    await report(uow, second, E.CHARGE_SUCCESS, "50.00", "b")
    await report(uow, second, E.CHARGE_SUCCESS, "50.00", "b")  # a repeat
    assert order.state.status is OrderStatus.PAID and uow.transactions.rows[second].charged == Decimal("50.00")
    assert events(order).count(OrderEventType.PAID) == 1


async def test_only_the_transactions_app_reports_on_it() -> None:
    uow = FakeUow()
    with_gateway(uow)
    order = await place(uow)
    transaction_id = (await opened(uow, order)).transaction_id
    error = await refused(report(uow, transaction_id, E.CHARGE_SUCCESS, "200.00", "forged", RIVAL))
    assert (error.code, error.field) == ("NOT_FOUND", ["input", "transactionId"])
    with pytest.raises(DomainError):
        await report(uow, transaction_id, E.CHARGE_SUCCESS, "0", "zero")
    assert order.state.status is OrderStatus.UNPAID


async def test_a_cancelled_paid_order_asks_its_app_for_the_money_and_records_the_refund() -> None:
    uow = FakeUow()
    with_gateway(uow)
    order = await place(uow)
    transaction_id = (await opened(uow, order)).transaction_id
    await report(uow, transaction_id, E.CHARGE_SUCCESS, "200.00", "a")
    await cancel_order(uow, SERVICE, order.state.token, policy=POLICY, payments=PAYMENTS)
    assert uow.transactions.refund_requests == [(transaction_id, Decimal("200.00"))]
    assert order.payments == []  # nothing refunded here: the app gives the money back
    await report(uow, transaction_id, E.REFUND_SUCCESS, "200.00", "r")
    assert uow.transactions.rows[transaction_id].status is TransactionStatus.REFUNDED
    assert events(order)[-1] is OrderEventType.REFUNDED


async def test_returned_goods_ask_the_app_for_their_value_only() -> None:
    uow = FakeUow()
    with_gateway(uow)
    order = await place(uow)
    transaction_id = (await opened(uow, order)).transaction_id
    await report(uow, transaction_id, E.CHARGE_SUCCESS, "200.00", "a")
    await ship_order(uow, PACKER, order.state.token, tracking_number=None)
    await deliver_order(uow, PACKER, order.state.token, policy=POLICY)
    await give_back(uow, order, 1)
    assert uow.transactions.refund_requests == [(transaction_id, Decimal("100.00"))]


async def test_a_charge_reported_after_the_order_was_cancelled_is_asked_back() -> None:
    uow = FakeUow()
    with_gateway(uow)
    order = await place(uow)
    transaction_id = (await opened(uow, order)).transaction_id
    await cancel_order(uow, BUYER, order.state.token, policy=POLICY, payments=PAYMENTS)
    await report(uow, transaction_id, E.CHARGE_SUCCESS, "200.00", "late")
    assert order.state.status is OrderStatus.CANCELLED
    assert uow.transactions.refund_requests == [(transaction_id, Decimal("200.00"))]
