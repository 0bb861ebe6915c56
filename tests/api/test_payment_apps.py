"""Payment apps through the graph, with a real receiver on 127.0.0.1 acting as the payment provider's
app: it is listed as a gateway, `transactionInitialize` calls it (signed) and returns its answer,
a declined or dead gateway is a clear userError, the app's reports pay the order once (repeats and
races included), a partial charge does not, a cancelled paid order asks the app for the refund,
and nobody but the transaction's app reports on it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook as Verifier

from api.app import create_app
from api.settings import Settings
from api.webhooks.sync_call import HttpGatewayCalls
from db.models import OrderEvent, TransactionEvent
from domain.access.model import StaffRole
from domain.orders.model import OrderStatus
from domain.payments import model as payments
from domain.payments.services import Opened
from tests.api.test_carts import Shop, open_shop
from tests.api.test_members import SignedIn, errors, new_member
from tests.api.test_order_flow import delivery_order
from tests.helpers import GraphQLClient, StatementCounter
from tests.webhook_receiver import Receiver

GATEWAYS = "query($c: String) { paymentGateways(channel: $c) { id name } }"
TRANSACTION = (
    "id status amount { amount } chargedAmount { amount } refundedAmount { amount } pspReference gateway { name }"
)
INITIALIZE = f"""mutation($o: ID!, $g: ID!) {{ transactionInitialize(orderId: $o, input: {{gatewayId: $g}}) {{
  transaction {{ {TRANSACTION} }} clientData userErrors {{ field code }} }} }}"""
REPORT = f"""mutation($t: ID!, $type: TransactionEventType!, $a: Decimal!, $r: String!) {{
  transactionEventReport(input: {{transactionId: $t, type: $type, amount: $a, pspReference: $r}}) {{
  transaction {{ {TRANSACTION} }} userErrors {{ field code }} }} }}"""
ORDER = f"""query($id: ID!) {{ order(id: $id) {{ status amountDue {{ amount }} events {{ type }}
  transactions {{ {TRANSACTION} }} }} }}"""
CANCEL = "mutation($id: ID!) { orderCancel(id: $id) { order { status } userErrors { code } } }"
PREPAY = {"result": "CHARGE_ACTION_REQUIRED", "pspReference": "wx-4200", "data": {"prepayId": "wx20261206"}}


@dataclass
class Gateway:
    token: str  # the app's
    id: str  # the gateway's (the app's global id)
    secret: str  # its PAYMENT_INITIALIZE webhook's


@dataclass
class Paying:
    client: GraphQLClient
    engine: AsyncEngine
    receiver: Receiver
    admin: str
    shop: Shop

    async def app(self, name: str, scopes: list[str]) -> tuple[str, str]:
        created = await self.client.data(
            "mutation($n: String!, $s: [AppScope!]!) { appCreate(input: {name: $n, scopes: $s}) { app { id } token } }",
            {"n": name, "s": scopes},
            token=self.admin,
        )
        return created["appCreate"]["token"], created["appCreate"]["app"]["id"]

    async def webhook(self, token: str, url: str, events: list[str]) -> str:
        created = await self.client.data(
            "mutation($i: WebhookCreateInput!) { webhookCreate(input: $i) { secret userErrors { code } } }",
            {"i": {"name": url[-20:], "targetUrl": url, "events": events}},
            token=token,
        )
        assert created["webhookCreate"]["userErrors"] == []
        secret: str = created["webhookCreate"]["secret"]
        return secret

    async def gateway(self, name: str = "WeChat Pay", path: str = "/pay", answer: Any = PREPAY) -> Gateway:
        """A payment app whose PAYMENT_INITIALIZE webhook is `path` on the receiver, answering `answer`."""
        self.receiver.bodies[path] = orjson.dumps(answer)
        self.receiver.answers[path] = [(200, {"content-type": "application/json"})]
        token, app_id = await self.app(name, ["PAYMENTS"])
        secret = await self.webhook(token, self.receiver.url(path), ["PAYMENT_INITIALIZE"])
        return Gateway(token, app_id, secret)

    async def initialize(self, order: dict[str, Any], gateway_id: str, token: str | None) -> dict[str, Any]:
        body = await self.client.data(INITIALIZE, {"o": order["id"], "g": gateway_id}, token=token)
        result: dict[str, Any] = body["transactionInitialize"]
        return result

    async def report(
        self, gateway: Gateway | str | None, transaction_id: str, type: str, amount: str, reference: str
    ) -> dict[str, Any]:
        token = gateway.token if isinstance(gateway, Gateway) else gateway
        variables = {"t": transaction_id, "type": type, "a": amount, "r": reference}
        return await self.client.post(REPORT, variables, token=token)

    async def order(self, order: dict[str, Any], token: str | None) -> dict[str, Any]:
        found: dict[str, Any] = (await self.client.data(ORDER, {"id": order["id"]}, token=token))["order"]
        return found

    async def pending(self, gateway: Gateway, member: SignedIn) -> tuple[dict[str, Any], str]:
        """A member's order (110.00 due) and a PENDING transaction for it at `gateway`."""
        order = await delivery_order(self.shop, member.token)
        started = await self.initialize(order, gateway.id, member.token)
        assert started["userErrors"] == [], started
        return order, started["transaction"]["id"]


@asynccontextmanager
async def open_paying(demo: AsyncEngine, settings: Settings) -> AsyncIterator[Paying]:
    """A server in private-network mode with its workers running, an admin, a shop, and the receiver."""
    receiver = Receiver()
    await receiver.start()
    app = create_app(
        settings.model_copy(update={"webhook_allow_private_networks": True, "events_interval": 0.05}), engine=demo
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            client = GraphQLClient(http)
            try:
                admin = await client.staff_token(demo, StaffRole.ADMIN)
                yield Paying(client, demo, receiver, admin, await open_shop(client, demo))
            finally:
                await receiver.close()


@pytest.fixture
async def paying(demo: AsyncEngine, settings: Settings) -> AsyncIterator[Paying]:
    async with open_paying(demo, settings) as opened:
        yield opened


def reported(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["transactionEventReport"]
    return result


async def paid_events(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).where(OrderEvent.type == "PAID")) or 0)


async def test_a_gateway_is_listed_and_initializing_returns_its_signed_answer(paying: Paying) -> None:
    gateway = await paying.gateway()
    no_scope, _ = await paying.app("Not a provider", ["ORDERS_READ"])
    await paying.webhook(no_scope, paying.receiver.url("/other"), ["PAYMENT_INITIALIZE"])
    listed = (await paying.client.data(GATEWAYS, {"c": "online"}))["paymentGateways"]  # anonymous: shoppers choose
    assert listed == [{"id": gateway.id, "name": "WeChat Pay"}]
    assert (await paying.client.data(GATEWAYS, {"c": "nowhere"}))["paymentGateways"] == []
    member = await new_member(paying.client)
    order = await delivery_order(paying.shop, member.token)
    started = await paying.initialize(order, gateway.id, member.token)
    assert started["userErrors"] == [] and started["clientData"] == PREPAY
    transaction = started["transaction"]
    assert (transaction["status"], transaction["amount"], transaction["chargedAmount"]) == (
        "PENDING",
        {"amount": "110.00"},
        {"amount": "0.00"},
    )
    assert (transaction["pspReference"], transaction["gateway"]) == ("wx-4200", {"name": "WeChat Pay"})
    [received] = paying.receiver.at("/pay")
    payload = Verifier(gateway.secret).verify(received.body, received.headers)
    assert payload["event"] == "PAYMENT_INITIALIZE"
    assert payload["data"] == {
        "transaction": {"id": transaction["id"], "amount": {"amount": "110.00", "currency": "CNY"}},
        "order": {"number": order["number"], "status": "UNPAID"},
    }
    seen = await paying.order(order, member.token)
    assert seen["transactions"] == [transaction] and seen["status"] == "UNPAID"
    _, no_webhook = await paying.app("No webhook", ["PAYMENTS"])
    other = await paying.initialize(order, no_webhook, member.token)
    assert errors(other) == [("NOT_FOUND", ["input", "gatewayId"])]


@pytest.mark.parametrize(
    ("status", "answer"), [(402, {"error": "insufficient funds"}), (200, {"result": "CHARGE_FAILURE"})]
)
async def test_a_declined_payment_is_a_user_error_and_a_failed_transaction(
    paying: Paying, status: int, answer: dict[str, Any]
) -> None:
    gateway = await paying.gateway(answer=answer)
    paying.receiver.answers["/pay"] = [(status, {})]
    member = await new_member(paying.client)
    order = await delivery_order(paying.shop, member.token)
    started = await paying.initialize(order, gateway.id, member.token)
    assert errors(started) == [("PAYMENT_DECLINED", ["input", "gatewayId"])] and started["clientData"] is None
    assert started["transaction"]["status"] == "FAILED"
    assert (await paying.order(order, member.token))["status"] == "UNPAID"


async def test_a_gateway_that_cannot_be_reached_is_unavailable(paying: Paying) -> None:
    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token, app_id = await paying.app("Gone Pay", ["PAYMENTS"])
    await paying.webhook(token, f"http://127.0.0.1:{port}/pay", ["PAYMENT_INITIALIZE"])
    member = await new_member(paying.client)
    order = await delivery_order(paying.shop, member.token)
    async with asyncio.timeout(5):
        started = await paying.initialize(order, app_id, member.token)
    assert errors(started) == [("GATEWAY_UNAVAILABLE", ["input", "gatewayId"])]
    assert started["transaction"]["status"] == "FAILED"


async def test_a_reported_charge_pays_the_order_once_and_a_repeat_counts_once(
    paying: Paying, statements: StatementCounter
) -> None:
    gateway = await paying.gateway()
    member = await new_member(paying.client)
    order, transaction_id = await paying.pending(gateway, member)
    statements.reset()
    charged = reported(await paying.report(gateway, transaction_id, "CHARGE_SUCCESS", "110.00", "wx-charge-1"))
    # the transaction's order (found, then locked), its transactions (locked), the event, the totals, the
    # payments, the order's status, its PAID event and outbox rows, and the payload's transaction
    assert len(statements.statements) == 11, statements.statements
    assert charged["userErrors"] == [] and charged["transaction"]["status"] == "CHARGED"
    again = reported(await paying.report(gateway, transaction_id, "CHARGE_SUCCESS", "110.00", "wx-charge-1"))
    assert again == charged
    seen = await paying.order(order, member.token)
    assert (seen["status"], seen["amountDue"], seen["events"][-1]) == ("PAID", {"amount": "0.00"}, {"type": "PAID"})
    assert seen["transactions"][0]["chargedAmount"] == {"amount": "110.00"}
    assert await paid_events(paying.engine) == 1


async def test_an_order_lists_transactions_read_in_one_statement_for_any_number_of_orders(
    paying: Paying, statements: StatementCounter
) -> None:
    gateway = await paying.gateway()
    member = await new_member(paying.client)
    mine = """{ me { orders(first: 10) { edges { node { amountDue { amount }
      transactions { id gateway { name } } } } } } }"""
    counts = []
    for _ in range(2):
        await paying.pending(gateway, member)
        statements.reset()
        orders = (await paying.client.data(mine, token=member.token))["me"]["orders"]["edges"]
        counts.append(len(statements.statements))
        assert all(len(o["node"]["transactions"]) == 1 for o in orders)
    assert counts[0] == counts[1], statements.statements  # one batched read of every order's transactions


async def test_a_partial_charge_does_not_pay_the_order_and_the_rest_does(paying: Paying) -> None:
    gateway = await paying.gateway()
    member = await new_member(paying.client)
    order, transaction_id = await paying.pending(gateway, member)
    reported(await paying.report(gateway, transaction_id, "CHARGE_SUCCESS", "50.00", "part-1"))
    seen = await paying.order(order, member.token)
    assert (seen["status"], seen["amountDue"]) == ("UNPAID", {"amount": "60.00"})
    refused = await paying.client.data(  # the sandbox is not offered here, and a partly paid order owes the rest
        'mutation($id: ID!) { orderPay(id: $id, input: {method: SANDBOX, amount: "110.00"}) { userErrors { code } } }',
        {"id": order["id"]},
        token=member.token,
    )
    assert refused["orderPay"]["userErrors"] == [{"code": "INVALID"}]
    second = await paying.initialize(order, gateway.id, member.token)
    assert second["transaction"]["amount"] == {"amount": "60.00"}  # what is left to pay
    reported(await paying.report(gateway, second["transaction"]["id"], "CHARGE_SUCCESS", "60.00", "part-2"))
    assert (await paying.order(order, member.token))["status"] == "PAID"


async def test_concurrent_reports_of_one_charge_pay_the_order_once(paying: Paying) -> None:
    gateway = await paying.gateway()
    member = await new_member(paying.client)
    order, transaction_id = await paying.pending(gateway, member)
    bodies = await asyncio.gather(
        *(paying.report(gateway, transaction_id, "CHARGE_SUCCESS", "110.00", "wx-race") for _ in range(8))
    )
    assert all(reported(b)["userErrors"] == [] for b in bodies)
    seen = await paying.order(order, member.token)
    assert (seen["status"], seen["transactions"][0]["chargedAmount"]) == ("PAID", {"amount": "110.00"})
    assert await paid_events(paying.engine) == 1
    async with paying.engine.connect() as conn:
        assert await conn.scalar(sa.select(sa.func.count()).select_from(TransactionEvent)) == 1


async def test_cancelling_a_paid_order_asks_its_app_for_the_refund(paying: Paying) -> None:
    gateway = await paying.gateway()
    refunds = await paying.webhook(gateway.token, paying.receiver.url("/refunds"), ["PAYMENT_REFUND_REQUESTED"])
    await paying.webhook(gateway.token, paying.receiver.url("/paid"), ["ORDER_PAID"])
    bystander, _ = await paying.app("Another provider", ["PAYMENTS"])
    await paying.webhook(bystander, paying.receiver.url("/not-mine"), ["PAYMENT_REFUND_REQUESTED"])
    member = await new_member(paying.client)
    order, transaction_id = await paying.pending(gateway, member)
    reported(await paying.report(gateway, transaction_id, "CHARGE_SUCCESS", "110.00", "wx-charge"))
    [paid] = await paying.receiver.wait_for("/paid", 1)  # paid through the app as through any payment
    assert orjson.loads(paid.body)["data"] == {"order": {"number": order["number"], "status": "PAID"}}
    cancelled = await paying.client.data(CANCEL, {"id": order["id"]}, token=paying.admin)  # customer service
    assert cancelled["orderCancel"] == {"order": {"status": "CANCELLED"}, "userErrors": []}
    [request] = await paying.receiver.wait_for("/refunds", 1)
    payload = Verifier(refunds).verify(request.body, request.headers)
    assert payload["event"] == "PAYMENT_REFUND_REQUESTED"
    assert payload["data"]["transaction"] == {"id": transaction_id, "pspReference": "wx-4200"}
    assert payload["data"]["amount"] == {"amount": "110.00", "currency": "CNY"}
    refunded = reported(await paying.report(gateway, transaction_id, "REFUND_SUCCESS", "110.00", "wx-refund"))
    assert (refunded["transaction"]["status"], refunded["transaction"]["refundedAmount"]) == (
        "REFUNDED",
        {"amount": "110.00"},
    )
    too_much = reported(await paying.report(gateway, transaction_id, "REFUND_SUCCESS", "1.00", "wx-refund-2"))
    assert errors(too_much) == [("INVALID", ["input", "amount"])]
    assert (await paying.order(order, member.token))["events"][-1] == {"type": "REFUNDED"}
    assert paying.receiver.at("/not-mine") == []  # only the transaction's app is asked


async def test_only_the_transactions_own_app_reports_on_it(paying: Paying) -> None:
    gateway = await paying.gateway()
    member = await new_member(paying.client)
    order, transaction_id = await paying.pending(gateway, member)
    rival, _ = await paying.app("Rival Pay", ["PAYMENTS"])
    erp, _ = await paying.app("ERP", ["ORDERS_WRITE"])
    not_found = reported(await paying.report(rival, transaction_id, "CHARGE_SUCCESS", "110.00", "forged"))
    assert errors(not_found) == [("NOT_FOUND", ["input", "transactionId"])] and not_found["transaction"] is None
    for caller, code in ((None, "UNAUTHENTICATED"), (member.token, "FORBIDDEN"), (paying.admin, "FORBIDDEN")):
        body = await paying.report(caller, transaction_id, "CHARGE_SUCCESS", "110.00", "forged")
        assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    body = await paying.report(erp, transaction_id, "CHARGE_SUCCESS", "110.00", "forged")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert (await paying.order(order, member.token))["status"] == "UNPAID"
    someone = await new_member(paying.client, email="bob@example.com")
    for caller in (someone.token, None):  # another member's order, or a member's order without signing in
        assert errors(await paying.initialize(order, gateway.id, caller)) == [("NOT_FOUND", ["orderId"])]


async def test_a_member_cannot_pay_with_the_sandbox_on_a_production_server(paying: Paying) -> None:
    member = await new_member(paying.client)
    order = await delivery_order(paying.shop, member.token)
    refused = await paying.client.data(
        "mutation($id: ID!, $a: Decimal!) { orderPay(id: $id, input: {method: SANDBOX, amount: $a}) "
        "{ order { status } userErrors { code field } } }",
        {"id": order["id"], "a": order["total"]["amount"]},
        token=member.token,
    )
    assert refused["orderPay"] == {
        "order": None,
        "userErrors": [{"code": "PAYMENT_METHOD_UNAVAILABLE", "field": ["input", "method"]}],
    }


async def test_one_operation_calls_at_most_one_gateway(paying: Paying) -> None:
    gateway = await paying.gateway()
    member = await new_member(paying.client)
    order = await delivery_order(paying.shop, member.token)
    twice = """mutation($o: ID!, $g: ID!) {
      a: transactionInitialize(orderId: $o, input: {gatewayId: $g}) { clientData }
      b: transactionInitialize(orderId: $o, input: {gatewayId: $g}) { clientData } }"""
    body = await paying.client.post(twice, {"o": order["id"], "g": gateway.id}, token=member.token)
    assert body["errors"][0]["extensions"]["limit"] == "expensiveMutations" and "data" not in body
    assert paying.receiver.at("/pay") == []


async def test_the_gateway_call_is_bounded_and_refuses_inner_addresses_outside_private_network_mode() -> None:
    receiver = Receiver()
    await receiver.start()
    receiver.hanging.add("/slow")
    try:

        def opened(url: str) -> Opened:
            gateway = payments.Gateway(1, 1, "Slow Pay", url, ("whsec_" + "QUJD" * 8,))
            return Opened(1, gateway, Decimal("1.00"), "CNY", "N-1", OrderStatus.UNPAID)

        refused = await HttpGatewayCalls(allow_private=False).initialize(opened(receiver.url("/slow")))
        assert (refused.status, refused.error) == (None, "refused: only https targets are allowed")
        inner = await HttpGatewayCalls(allow_private=False).initialize(opened("https://127.0.0.1:9/pay"))
        assert inner.status is None and inner.error is not None and "non-public" in inner.error
        async with asyncio.timeout(5):
            slow = await HttpGatewayCalls(allow_private=True, timeout=0.5).initialize(opened(receiver.url("/slow")))
        assert (slow.status, slow.error) == (None, "timed out") and len(receiver.at("/slow")) == 1
    finally:
        await receiver.close()
