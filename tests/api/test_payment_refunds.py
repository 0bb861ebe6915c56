"""Goods of an order paid through a payment app come back, end to end through the graph: each return
asks the app (a real receiver on 127.0.0.1) for the returned goods' value with a signed
PAYMENT_REFUND_REQUESTED; the app's REFUND_SUCCESS shows on the transaction (PARTIALLY_REFUNDED,
`refundedAmount`) and in the order's history; its REFUND_FAILURE leaves the money owed, is recorded
once (a repeat counts once) and shows in the history as REFUND_FAILED for staff to follow up, until
a later REFUND_SUCCESS gives the money back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook as Verifier

from api.settings import Settings
from db.models import TransactionEvent
from domain.access.model import StaffRole
from tests.api.test_members import errors, new_member
from tests.api.test_order_flow import DELIVER, RETURN, SHIP, run
from tests.api.test_payment_apps import Paying, open_paying, reported


@pytest.fixture
async def paying(demo: AsyncEngine, settings: Settings) -> AsyncIterator[Paying]:
    async with open_paying(demo, settings) as opened:
        yield opened


async def completed_order_paid_through_the_app(paying: Paying) -> tuple[str, dict[str, Any], str, str]:
    """A payment app with a PAYMENT_REFUND_REQUESTED webhook at /refunds; a member's order of 2 x 50.00
    (+ 10.00 shipping) paid through it, shipped and delivered. The app's token, the order, the
    transaction's id and the refund webhook's secret."""
    gateway = await paying.gateway()
    refunds = await paying.webhook(gateway.token, paying.receiver.url("/refunds"), ["PAYMENT_REFUND_REQUESTED"])
    member = await new_member(paying.client)
    order, transaction_id = await paying.pending(gateway, member)
    reported(await paying.report(gateway, transaction_id, "CHARGE_SUCCESS", "110.00", "wx-charge"))
    packer = await paying.client.staff_token(paying.engine, StaffRole.FULFILLMENT, location_id=paying.shop.store_a)
    await run(paying.shop, SHIP, "orderShip", packer, id=order["id"])
    delivered = await run(paying.shop, DELIVER, "orderDeliver", packer, id=order["id"])
    assert delivered["order"]["status"] == "COMPLETED"
    return gateway.token, order, transaction_id, refunds


async def customer_service(paying: Paying) -> str:
    return await paying.client.staff_token(
        paying.engine, StaffRole.STORE_MANAGER, email="cs@example.com", location_id=paying.shop.store_a
    )


async def return_one(paying: Paying, order: dict[str, Any], manager: str) -> str:
    """Customer service takes back one unit of the order's line; the order's status after."""
    lines = {"lines": [{"orderLineId": order["lines"][0]["id"], "quantity": 1}]}
    returned = await run(paying.shop, RETURN, "orderReturn", manager, id=order["id"], input=lines)
    assert returned["userErrors"] == [], returned
    assert returned["order"]["payments"] == []  # nothing paid outside the app: nothing refunded here
    status: str = returned["order"]["status"]
    return status


def refund_request(received: Any, secret: str) -> dict[str, Any]:
    payload: dict[str, Any] = Verifier(secret).verify(received.body, received.headers)  # raises unless signed
    assert payload["event"] == "PAYMENT_REFUND_REQUESTED"
    data: dict[str, Any] = payload["data"]
    return data


async def history(paying: Paying, order: dict[str, Any]) -> list[str]:
    found = await paying.order(order, paying.admin)
    return [e["type"] for e in found["events"]]


async def test_a_returned_unit_is_asked_of_the_app_and_its_refund_shows_on_the_transaction(paying: Paying) -> None:
    app, order, transaction_id, secret = await completed_order_paid_through_the_app(paying)
    assert await return_one(paying, order, await customer_service(paying)) == "PARTIALLY_RETURNED"
    [request] = await paying.receiver.wait_for("/refunds", 1)
    assert refund_request(request, secret) == {
        "transaction": {"id": transaction_id, "pspReference": "wx-4200"},
        "order": {"number": order["number"], "status": "PARTIALLY_RETURNED"},
        "amount": {"amount": "50.00", "currency": "CNY"},  # the returned unit's value, not the shipping
    }
    refunded = reported(await paying.report(app, transaction_id, "REFUND_SUCCESS", "50.00", "wx-refund-1"))
    assert refunded["userErrors"] == []
    transaction = refunded["transaction"]
    assert (transaction["status"], transaction["chargedAmount"], transaction["refundedAmount"]) == (
        "PARTIALLY_REFUNDED",
        {"amount": "110.00"},
        {"amount": "50.00"},
    )
    seen = await paying.order(order, paying.admin)
    assert seen["transactions"] == [transaction] and seen["status"] == "PARTIALLY_RETURNED"
    assert seen["events"][-1] == {"type": "REFUNDED"}


async def test_a_failed_refund_is_recorded_once_shown_to_staff_and_a_later_success_gives_the_money_back(
    paying: Paying,
) -> None:
    app, order, transaction_id, secret = await completed_order_paid_through_the_app(paying)
    manager = await customer_service(paying)
    await return_one(paying, order, manager)
    await paying.receiver.wait_for("/refunds", 1)
    reported(await paying.report(app, transaction_id, "REFUND_SUCCESS", "50.00", "wx-refund-1"))
    assert await return_one(paying, order, manager) == "RETURNED"
    second = (await paying.receiver.wait_for("/refunds", 2))[1]
    asked = refund_request(second, secret)
    assert (asked["amount"], asked["order"]["status"]) == ({"amount": "50.00", "currency": "CNY"}, "RETURNED")
    assert second.headers["webhook-id"] != paying.receiver.at("/refunds")[0].headers["webhook-id"]
    for _ in range(2):  # the provider's failure, reported twice: recorded once
        failed = reported(await paying.report(app, transaction_id, "REFUND_FAILURE", "50.00", "wx-refund-2"))
        assert failed["userErrors"] == []
        assert (failed["transaction"]["status"], failed["transaction"]["refundedAmount"]) == (
            "PARTIALLY_REFUNDED",
            {"amount": "50.00"},  # the money is still owed
        )
    assert (await history(paying, order)).count("REFUND_FAILED") == 1
    assert (await history(paying, order))[-1] == "REFUND_FAILED"  # customer service sees what to follow up
    async with paying.engine.connect() as conn:
        recorded = (
            await conn.execute(
                sa.select(TransactionEvent.type, TransactionEvent.amount, TransactionEvent.psp_reference).order_by(
                    TransactionEvent.id
                )
            )
        ).all()
    assert [(str(t), a, r) for t, a, r in recorded][1:] == [
        ("REFUND_SUCCESS", Decimal("50.00"), "wx-refund-1"),
        ("REFUND_FAILURE", Decimal("50.00"), "wx-refund-2"),
    ]
    retried = reported(await paying.report(app, transaction_id, "REFUND_SUCCESS", "50.00", "wx-refund-3"))
    assert (retried["transaction"]["status"], retried["transaction"]["refundedAmount"]) == (
        "PARTIALLY_REFUNDED",  # the shipping was not returned: 10.00 stays charged
        {"amount": "100.00"},
    )
    too_much = reported(await paying.report(app, transaction_id, "REFUND_SUCCESS", "20.00", "wx-refund-4"))
    assert errors(too_much) == [("INVALID", ["input", "amount"])]
    assert (await history(paying, order))[-1] == "REFUNDED"
    assert len(paying.receiver.at("/refunds")) == 2  # one request per return, none for the reports
    assert orjson.loads(second.body)["data"]["transaction"]["id"] == transaction_id
