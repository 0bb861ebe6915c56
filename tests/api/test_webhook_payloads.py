"""Payload queries: a webhook's subscription document shapes each delivery's `data`, run with the
permissions of the app it belongs to (an app without MEMBERS_READ gets no personal data; one that
may not read orders gets no order), as of the event; documents are checked when registered (coded
INVALID on `query`), parsed once per process, and refused over WebSocket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from standardwebhooks.webhooks import Webhook as Verifier

from api.app import build_services
from api.settings import Settings
from api.webhooks.payloads import PayloadRenderer, fan_out
from db.engine import write_options
from db.models import Order, Webhook
from domain.access.model import AppScope
from domain.apps.webhooks import WebhookEventType
from schema import build_schema
from schema.apps import payload_types
from schema.apps.payload_queries import payload_queries
from schema.cost import QueryLimits
from schema.relay import to_global_id
from tests.api.test_carts import open_shop
from tests.api.test_members import new_member
from tests.api.test_order_flow import delivery_order, pay
from tests.api.test_subscriptions import connected, serving
from tests.api.test_webhooks import UPDATE, Hooked, hooked_app
from tests.helpers import StatementCounter

ORDER_QUERY = """subscription { event { type issuedAt ... on OrderWebhookEvent {
  number order { number status total { amount } member { email } deliveryAddress { phone } } } } }"""
MEMBER_QUERY = "subscription { event { ... on MemberWebhookEvent { memberId member { name email phone } } } }"
NAME, EMAIL, PHONE = "Annabel Secretname", "annabel@example.com", "13800138000"
SEES_MEMBERS = {AppScope.MEMBERS_READ, AppScope.MEMBERS_WRITE}


@pytest.fixture
async def hooked(demo: AsyncEngine, settings: Settings) -> AsyncIterator[Hooked]:
    async with hooked_app(demo, settings) as h:
        yield h


def body(received: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = orjson.loads(received.body)
    return decoded


async def test_an_order_payload_is_what_each_app_may_read_as_of_the_event(hooked: Hooked) -> None:
    shop = await open_shop(hooked.client, hooked.engine)
    apps = {
        "/full": ("ORDERS_READ", "MEMBERS_READ"),
        "/orders": ("ORDERS_READ",),
        "/catalog": ("CATALOG_READ",),
    }
    secrets = {}
    for path, scopes in apps.items():
        created = await hooked.webhook(
            await hooked.app(path, scopes), path, ["ORDER_CREATED", "ORDER_PAID"], ORDER_QUERY
        )
        assert created["webhook"]["query"] == ORDER_QUERY
        secrets[path] = created["secret"]
    member = await new_member(hooked.client, EMAIL, PHONE, name=NAME)
    order = await delivery_order(shop, member.token)
    for path in apps:
        await hooked.receiver.wait_for(path, 1)  # created: delivered before the order is paid
    await pay(shop, order, member.token)
    seen = {path: [body(r) for r in await hooked.receiver.wait_for(path, 2)] for path in apps}
    for path in apps:
        for r in hooked.receiver.at(path):
            Verifier(secrets[path]).verify(r.body, r.headers)

    created, paid = seen["/full"]
    assert (created["event"], paid["event"]) == ("ORDER_CREATED", "ORDER_PAID")
    assert created["data"]["event"]["order"] == {
        "number": order["number"],
        "status": "UNPAID",  # as it was when the order was placed, not as it is when delivered
        "total": {"amount": order["total"]["amount"]},
        "member": {"email": EMAIL},
        "deliveryAddress": {"phone": "+86" + PHONE},
    }
    assert created["data"]["event"]["type"] == "ORDER_CREATED" and "errors" not in created
    assert paid["data"]["event"]["order"]["status"] == "PAID"
    orders_only = seen["/orders"][0]["data"]["event"]
    assert orders_only["order"]["member"] is None and orders_only["order"]["deliveryAddress"] is None
    assert orders_only["order"]["number"] == order["number"]
    catalog = seen["/catalog"][0]["data"]["event"]
    assert catalog["order"] is None and catalog["number"] == order["number"]
    for path in ("/orders", "/catalog"):
        text = json.dumps(seen[path])
        assert EMAIL not in text and PHONE not in text


async def test_a_members_personal_data_reaches_only_apps_that_look_members_up(hooked: Hooked) -> None:
    """The personal-data probe of `MemberWebhookEvent.member` (tests/hostile/test_personal_data.py),
    with an app of each scope alone."""
    for scope in AppScope:
        await hooked.webhook(
            await hooked.app(scope.value, (scope.name,)), f"/{scope.name}", ["MEMBER_CREATED"], MEMBER_QUERY
        )
    member = await new_member(hooked.client, EMAIL, PHONE, name=NAME)
    failures = []
    for scope in AppScope:
        [received] = await hooked.receiver.wait_for(f"/{scope.name}", 1)
        event = body(received)["data"]["event"]
        leaked = [s for s in (NAME, EMAIL, PHONE) if s in received.body.decode()]
        if event["memberId"] != member.id:
            failures.append(f"{scope}: memberId {event['memberId']}")
        if scope in SEES_MEMBERS and event["member"] != {"name": NAME, "email": EMAIL, "phone": "+86" + PHONE}:
            failures.append(f"{scope} cannot read the member: {event}")
        if scope not in SEES_MEMBERS and (leaked or event["member"] is not None):
            failures.append(f"{scope} reads {leaked or event['member']}")
    assert failures == []


@pytest.mark.parametrize(
    ("query", "events"),
    [
        ("subscription { event { type ", ["ORDER_PAID"]),  # does not parse
        ("query { channels { slug } }", ["ORDER_PAID"]),  # not a subscription
        ('subscription { orderUpdated(id: "x") { status } }', ["ORDER_PAID"]),  # not `event`
        ("subscription { event { type } } subscription B { event { type } }", ["ORDER_PAID"]),  # two operations
        ("subscription { event { nope } }", ["ORDER_PAID"]),  # not in the schema
        ("subscription($n: Int) { event { type issuedAt } }", ["ORDER_PAID"]),  # variables nothing supplies
        ("subscription { event { ... on StockWebhookEvent { stockLevel { id } } } }", ["ORDER_PAID"]),  # never comes
        ("subscription { event { type } }", ["ORDER_PAID", "SETTLEMENT_STATEMENT_CONFIRMED"]),  # default only
        ("subscription { event { type " + "__typename " * 3000 + "} }", ["ORDER_PAID"]),  # over the token limit
        ("subscription { event { type } } #" + "x" * 20_000, ["ORDER_PAID"]),  # over the length limit
    ],
)
async def test_a_query_that_cannot_shape_payloads_is_refused_on_query(
    hooked: Hooked, query: str, events: list[str]
) -> None:
    token = await hooked.app()
    refused = await hooked.client.data(
        """mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) {
          webhook { id } userErrors { field code message } } }""",
        {"input": {"name": "x", "targetUrl": hooked.receiver.url("/x"), "events": events, "query": query}},
        token=token,
    )
    [error] = refused["webhookCreate"]["userErrors"]
    assert (error["field"], error["code"]) == (["input", "query"], "INVALID") and error["message"]
    assert refused["webhookCreate"]["webhook"] is None


async def test_an_update_checks_the_query_against_the_events_and_a_blank_query_goes_back_to_the_default(
    hooked: Hooked,
) -> None:
    token = await hooked.app()
    query = "subscription { event { ... on OrderWebhookEvent { number } } }"
    hook = (await hooked.webhook(token, "/updated", ["ORDER_PAID"], query))["webhook"]

    async def update(**changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = (
            await hooked.client.data(
                UPDATE.replace("isActive }", "isActive query }"), {"id": hook["id"], "input": changes}, token=token
            )
        )["webhookUpdate"]
        return result

    moved = await update(events=["STOCK_CHANGED"])  # the order fragment would never apply
    assert moved["userErrors"] == [{"field": ["input", "query"], "code": "INVALID"}]
    both = await update(events=["STOCK_CHANGED"], query="subscription { event { type } }")
    assert both["userErrors"] == [] and both["webhook"]["query"] == "subscription { event { type } }"
    cleared = await update(query="  ")
    assert cleared["userErrors"] == [] and cleared["webhook"]["query"] is None
    await hooked.announce(WebhookEventType.STOCK_CHANGED, "1:1")
    [received] = await hooked.receiver.wait_for("/updated", 1)
    assert body(received)["data"] == {"variant": {"id": "UHJvZHVjdFZhcmlhbnQ6MQ"}, "location": {"id": "TG9jYXRpb246MQ"}}


async def test_a_stored_query_the_graph_no_longer_accepts_is_delivered_with_the_reason(hooked: Hooked) -> None:
    hook = await hooked.webhook(await hooked.app(), "/stale", ["PRODUCT_UPDATED"], "subscription { event { type } }")
    async with AsyncSession(hooked.engine) as session:  # as if a field it reads was removed by an upgrade
        await session.execute(sa.update(Webhook).values(query="subscription { event { removedField } }"))
        await session.commit()
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 1)
    [received] = await hooked.receiver.wait_for("/stale", 1)
    delivered = body(received)
    assert delivered["event"] == "PRODUCT_UPDATED" and delivered["data"] is None
    assert [e["extensions"]["code"] for e in delivered["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    assert hook["webhook"]["query"] == "subscription { event { type } }"


def test_a_document_is_parsed_and_validated_once_per_schema() -> None:
    queries = payload_queries(build_schema(limits=QueryLimits(max_tokens=50)))
    text = "subscription { event { type issuedAt } }"
    assert queries.document(text) is queries.document(text)
    assert queries.documents.get(text) is not None
    assert queries.problem("subscription { event { type " + "issuedAt " * 60 + "} }", frozenset()) is not None


async def test_event_is_not_served_over_websocket(engine: AsyncEngine, settings: Settings) -> None:
    async with serving(engine, settings) as (http, _bus), AsyncExitStack() as stack:
        socket = await connected(http, stack)
        await socket.start("subscription { event { type } }", {})
        message = await socket.next()
    assert "not served over WebSocket" in json.dumps(message)


async def test_an_apps_webhooks_sharing_a_query_run_it_once_per_event(
    hooked: Hooked, settings: Settings, statements: StatementCounter
) -> None:
    """Fan-out's statements, pinned: the subscribers, the order, one run of the query (three reads through
    the loaders), the deliveries in one insert; more webhooks of the app with that query add none."""
    shop = await open_shop(hooked.client, hooked.engine)
    token = await hooked.app("ERP", ("ORDERS_READ", "MEMBERS_READ"))
    await hooked.webhook(token, "/one", ["ORDER_CREATED"], ORDER_QUERY)
    order = await delivery_order(shop, (await new_member(hooked.client, EMAIL, PHONE, name=NAME)).token)
    async with AsyncSession(hooked.engine) as session:
        order_id = await session.scalar(sa.select(Order.id).where(Order.number == order["number"]))
    schema = build_schema()
    renderer = PayloadRenderer(payload_queries(schema), build_services(settings))

    async def fanned_out() -> tuple[int, int]:
        async with AsyncSession(hooked.engine) as session:
            await session.connection(execution_options=write_options(session))  # as the relay writes
            statements.reset()
            made = await fan_out(session, [("webhook:ORDER_CREATED", str(order_id))], hooked.clock(), renderer)
            await session.rollback()
        return made, statements.count

    one = await fanned_out()
    for path in ("/two", "/three"):
        await hooked.webhook(token, path, ["ORDER_CREATED"], ORDER_QUERY)
    await hooked.webhook(token, "/default", ["ORDER_CREATED"])
    assert one == (1, 6), statements.statements
    assert await fanned_out() == (4, 6), statements.statements


async def test_a_payload_query_that_fails_in_the_database_costs_neither_its_delivery_nor_the_batch(
    hooked: Hooked, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a failed statement spoils its transaction: the query runs in a savepoint, so the
    relay still writes every delivery of the batch (this one saying what went wrong)."""

    async def broken(info: Any, type_name: str, key: int | str) -> Any:
        await info.context.session.execute(sa.text("SELECT no_such_column FROM webhooks"))

    monkeypatch.setattr(payload_types, "_node", broken)
    query = "subscription { event { ... on ProductWebhookEvent { product { id } } } }"
    await hooked.webhook(await hooked.app("Shaped"), "/shaped", ["PRODUCT_UPDATED"], query)
    await hooked.webhook(await hooked.app("Plain"), "/plain", ["PRODUCT_UPDATED"])
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 1, 2)
    shaped = [body(r) for r in await hooked.receiver.wait_for("/shaped", 2)]
    plain = [body(r) for r in await hooked.receiver.wait_for("/plain", 2)]
    assert [b["data"] for b in shaped] == [None, None]
    assert {e["extensions"]["code"] for b in shaped for e in b["errors"]} == {"INTERNAL_SERVER_ERROR"}
    assert sorted(b["data"]["product"]["id"] for b in plain) == sorted(to_global_id("Product", i) for i in (1, 2))
