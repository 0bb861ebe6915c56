"""Webhooks through the graph and over real HTTP (a receiver on 127.0.0.1, private networks allowed):
who manages them, signed delivery after a checkout, the retry schedule by the app's clock, 410 Gone,
a dead endpoint beside a live one, secret rotation, and targets refused on inner networks."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from api.app import create_app
from api.settings import Settings
from api.webhooks import sender
from api.webhooks.worker import DeliveryWorker
from db import webhook_events
from db.engine import create_session_factory
from db.models import WebhookDelivery
from domain.access.model import StaffRole
from domain.apps.webhooks import WebhookEventType
from schema.relay import to_global_id
from tests.api.test_carts import open_shop
from tests.api.test_members import new_member
from tests.api.test_order_flow import delivery_order, pay
from tests.helpers import GraphQLClient, StatementCounter, until
from tests.webhook_receiver import Receiver

CREATE = """mutation($input: WebhookCreateInput!) {
  webhookCreate(input: $input) {
    webhook { id name targetUrl events isActive query } secret userErrors { field code } } }"""
UPDATE = """mutation($id: ID!, $input: WebhookUpdateInput!) {
  webhookUpdate(id: $id, input: $input) { webhook { id targetUrl isActive } userErrors { field code } } }"""
DELETE = "mutation($id: ID!) { webhookDelete(id: $id) { webhook { id } userErrors { field code } } }"
RETRY = "mutation($id: ID!) { webhookDeliveryRetry(id: $id) { delivery { status } userErrors { field code } } }"
APPS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "apps.md"
LIST = """{ webhooks(first: 10) { edges { node { id name isActive
  deliveries(first: 10) { edges { node { id event status attempts responseStatus } } } } } } }"""


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Hooked:
    client: GraphQLClient
    engine: AsyncEngine
    clock: MovableClock
    receiver: Receiver
    admin: str

    async def app(self, name: str = "ERP", scopes: tuple[str, ...] = ("CATALOG_READ",)) -> str:
        """A new app's token."""
        created = await self.client.data(
            "mutation($n: String!, $s: [AppScope!]!) { appCreate(input: {name: $n, scopes: $s}) { token } }",
            {"n": name, "s": list(scopes)},
            token=self.admin,
        )
        token: str = created["appCreate"]["token"]
        return token

    async def webhook(self, token: str, path: str, events: list[str], query: str | None = None) -> dict[str, Any]:
        data = await self.client.data(
            CREATE,
            {"input": {"name": path, "targetUrl": self.receiver.url(path), "events": events, "query": query}},
            token=token,
        )
        result: dict[str, Any] = data["webhookCreate"]
        assert result["userErrors"] == [], result
        return result

    async def announce(self, event: WebhookEventType, *subjects: int) -> None:
        """Commit webhook events as a change would (the outbox), behind the graph's back."""
        async with AsyncSession(self.engine) as session:
            for subject in subjects:
                await webhook_events.announce(session, event, subject, self.clock())
            await session.commit()

    async def delivery(self, path_index: int = 0, attempts: int = 1) -> WebhookDelivery:
        """The oldest delivery (of the `path_index`th webhook), once `attempts` attempts are recorded."""
        found: list[WebhookDelivery] = []

        async def recorded() -> bool:
            async with AsyncSession(self.engine) as session:
                rows = (await session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id))).all()
            webhook_ids = sorted({r.webhook_id for r in rows})
            found[:] = [r for r in rows if len(webhook_ids) > path_index and r.webhook_id == webhook_ids[path_index]]
            return bool(found) and found[0].attempts >= attempts

        await until(recorded, f"a delivery with {attempts} attempts")
        return found[0]

    def worker(self) -> DeliveryWorker:
        return DeliveryWorker(create_session_factory(self.engine), interval=1, allow_private=True, clock=self.clock)


@asynccontextmanager
async def hooked_app(engine: AsyncEngine, settings: Settings) -> AsyncIterator[Hooked]:
    """The app with its relay and delivery worker running on a movable clock, a receiver on 127.0.0.1
    and an admin's token (the webhook test modules share it)."""
    clock = MovableClock()
    receiver = Receiver()
    await receiver.start()
    app = create_app(
        settings.model_copy(
            update={"webhook_allow_private_networks": True, "events_interval": 0.05, "payments_sandbox": True}
        ),
        engine=engine,
        clock=clock,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            client = GraphQLClient(http)
            try:
                yield Hooked(client, engine, clock, receiver, await client.staff_token(engine, StaffRole.ADMIN))
            finally:
                await receiver.close()


@pytest.fixture
async def hooked(demo: AsyncEngine, settings: Settings) -> AsyncIterator[Hooked]:
    async with hooked_app(demo, settings) as h:
        yield h


async def test_a_checkout_is_delivered_signed_with_the_secret_shown_once(hooked: Hooked) -> None:
    token = await hooked.app()
    created = await hooked.webhook(token, "/orders", ["ORDER_CREATED"])
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["webhook"]["query"] is None
    shop = await open_shop(hooked.client, hooked.engine)
    order = await delivery_order(shop)
    [received] = await hooked.receiver.wait_for("/orders", 1)
    payload = Verifier(secret).verify(received.body, received.headers)
    assert payload["event"] == "ORDER_CREATED"
    assert payload["data"] == {"order": {"number": order["number"], "status": "UNPAID"}}
    with pytest.raises(WebhookVerificationError):  # a forged body does not verify
        Verifier(secret).verify(received.body.replace(b"UNPAID", b"PAID"), received.headers)
    await hooked.delivery()
    listed = (await hooked.client.data(LIST, token=token))["webhooks"]["edges"]
    [delivery] = [e["node"] for e in listed[0]["node"]["deliveries"]["edges"]]
    assert (delivery["event"], delivery["status"], delivery["attempts"], delivery["responseStatus"]) == (
        "ORDER_CREATED",
        "SUCCEEDED",
        1,
        204,
    )


async def test_failures_are_retried_on_the_schedule_honouring_retry_after(hooked: Hooked) -> None:
    hooked.receiver.answers["/flaky"] = [(503, {}), (429, {"retry-after": "3600"}), (200, {})]
    await hooked.webhook(await hooked.app(), "/flaky", ["PRODUCT_UPDATED"])
    start = hooked.clock()
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 1)
    await hooked.receiver.wait_for("/flaky", 1)
    first = await hooked.delivery(attempts=1)
    assert first.status == "PENDING" and first.response_status == 503
    assert timedelta(seconds=4.5) <= first.next_attempt_at - start <= timedelta(seconds=5.5)  # 5 s, jitter 10 %
    hooked.clock.advance(seconds=4)
    assert await hooked.worker().deliver_due() == 0  # not due yet
    hooked.clock.advance(seconds=2)
    await hooked.receiver.wait_for("/flaky", 2)
    second = await hooked.delivery(attempts=2)
    assert second.response_status == 429
    assert second.next_attempt_at - hooked.clock() >= timedelta(hours=1)  # Retry-After beats the 5 minutes
    hooked.clock.advance(hours=1, minutes=1)
    await hooked.receiver.wait_for("/flaky", 3)
    third = await hooked.delivery(attempts=3)
    assert (third.status, third.response_status) == ("SUCCEEDED", 200)
    bodies = {r.body for r in hooked.receiver.at("/flaky")}
    ids = {r.headers["webhook-id"] for r in hooked.receiver.at("/flaky")}
    assert len(bodies) == len(ids) == 1  # every attempt the same message: receivers deduplicate on its id


@pytest.mark.parametrize(("status", "disabled"), [(410, True), (400, False)])
async def test_a_refusal_is_not_retried_and_410_gone_disables_the_webhook(
    hooked: Hooked, status: int, disabled: bool
) -> None:
    hooked.receiver.answers["/gone"] = [(status, {})]
    token = await hooked.app()
    await hooked.webhook(token, "/gone", ["PRODUCT_UPDATED"])
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 1)
    delivery = await hooked.delivery()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("FAILED", 1, status)
    [hook] = (await hooked.client.data(LIST, token=token))["webhooks"]["edges"]
    assert hook["node"]["isActive"] is not disabled
    hooked.clock.advance(days=2)
    assert await hooked.worker().deliver_due() == 0
    retried = await hooked.client.data(RETRY, {"id": to_global_id("WebhookDelivery", delivery.id)}, token=token)
    assert retried["webhookDeliveryRetry"] == {"delivery": {"status": "PENDING"}, "userErrors": []}


async def test_a_dead_endpoint_holds_up_neither_another_nor_a_checkout(hooked: Hooked) -> None:
    shop = await open_shop(hooked.client, hooked.engine)  # before deliveries write beside its fixtures
    hooked.receiver.hanging.add("/dead")
    await hooked.webhook(await hooked.app("Dead"), "/dead", ["PRODUCT_UPDATED", "ORDER_CREATED"])
    await hooked.webhook(await hooked.app("Live"), "/live", ["PRODUCT_UPDATED", "ORDER_CREATED"])
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, *range(1, 11))
    await hooked.receiver.wait_for("/live", 10)
    assert len(await hooked.receiver.wait_for("/dead", 4)) == 4  # its concurrency limit: the rest wait their turn
    async with asyncio.timeout(5):  # the checkout only writes its events; the dead endpoint waits after commit
        await delivery_order(shop)
    [*_, last] = await hooked.receiver.wait_for("/live", 11)
    assert orjson.loads(last.body)["event"] == "ORDER_CREATED"


async def test_a_rotated_secret_signs_alongside_the_old_one(hooked: Hooked) -> None:
    token = await hooked.app()
    created = await hooked.webhook(token, "/rotating", ["PRODUCT_UPDATED"])
    new = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="
    changed = await hooked.client.data(UPDATE, {"id": created["webhook"]["id"], "input": {"secret": new}}, token=token)
    assert changed["webhookUpdate"]["userErrors"] == []
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 7)
    [received] = await hooked.receiver.wait_for("/rotating", 1)
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    for secret in (created["secret"], new):
        assert orjson.loads(received.body) == Verifier(secret).verify(received.body, received.headers)
    weak = await hooked.client.data(
        UPDATE, {"id": created["webhook"]["id"], "input": {"secret": "whsec_c2hvcnQ="}}, token=token
    )
    assert weak["webhookUpdate"]["userErrors"] == [{"field": ["input", "secret"], "code": "INVALID"}]


async def test_an_app_manages_only_its_own_webhooks_and_an_admin_anyones(hooked: Hooked) -> None:
    client, receiver = hooked.client, hooked.receiver
    mine, other = await hooked.app("Mine"), await hooked.app("Other")
    hook = (await hooked.webhook(mine, "/mine", ["ORDER_PAID", "MEMBER_ERASED"]))["webhook"]
    assert hook["events"] == ["ORDER_PAID", "MEMBER_ERASED"] and hook["isActive"]
    assert (await client.data(LIST, token=other))["webhooks"]["edges"] == []
    assert len((await client.data(LIST, token=hooked.admin))["webhooks"]["edges"]) == 1
    node = await client.data("query($id: ID!) { node(id: $id) { id } }", {"id": hook["id"]}, token=other)
    assert node["node"] is None
    for document, variables in (
        (UPDATE, {"id": hook["id"], "input": {"isActive": False}}),
        (DELETE, {"id": hook["id"]}),
    ):
        result = next(iter((await client.data(document, variables, token=other)).values()))
        assert result["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND"}]
    someone_elses = {
        "name": "x",
        "targetUrl": receiver.url("/x"),
        "events": ["ORDER_PAID"],
        "appId": to_global_id("App", 999_999),
    }
    body = await client.post(CREATE, {"input": someone_elses}, token=other)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    member = await new_member(client)
    for token, code in ((member.token, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        for document, variables in ((LIST, None), (CREATE, {"input": {**someone_elses, "appId": None}})):
            body = await client.post(document, variables, token=token)
            assert body["errors"][0]["extensions"]["code"] == code and body["data"] is None
    no_app = await client.data(CREATE, {"input": {**someone_elses, "appId": None}}, token=hooked.admin)
    assert no_app["webhookCreate"]["userErrors"] == [{"field": ["input", "appId"], "code": "NOT_FOUND"}]
    shaped = await client.data(
        CREATE, {"input": {**someone_elses, "appId": None, "query": "subscription { x }"}}, token=mine
    )
    assert shaped["webhookCreate"]["userErrors"] == [{"field": ["input", "query"], "code": "INVALID"}]
    by_admin = await client.data(UPDATE, {"id": hook["id"], "input": {"isActive": False}}, token=hooked.admin)
    assert by_admin["webhookUpdate"]["webhook"]["isActive"] is False
    deleted = await client.data(DELETE, {"id": hook["id"]}, token=mine)
    assert deleted["webhookDelete"] == {"webhook": {"id": hook["id"]}, "userErrors": []}


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/",
        "https://[::1]/",
        "https://169.254.169.254/",
        "https://localhost/",
        "http://example.com/hook",
        "https://user:pw@example.com/",
    ],
)
async def test_targets_on_inner_networks_and_plain_http_are_refused(
    client: GraphQLClient, engine: AsyncEngine, url: str
) -> None:
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    token = (
        await client.data('mutation { appCreate(input: {name: "A", scopes: [CATALOG_READ]}) { token } }', token=admin)
    )["appCreate"]["token"]
    result = await client.data(
        CREATE, {"input": {"name": "x", "targetUrl": url, "events": ["ORDER_PAID"]}}, token=token
    )
    assert result["webhookCreate"]["userErrors"] == [{"field": ["input", "targetUrl"], "code": "INVALID"}]


async def test_a_host_name_resolving_to_an_inner_address_is_refused_at_delivery() -> None:
    with pytest.raises(sender.RefusedTarget):
        await sender.check_target("https://127.1/hook", allow_private=False)  # passes as a name, resolves to loopback
    answer = await sender.send(
        httpx.AsyncClient(),
        "https://127.1/hook",
        "msg_1",
        "{}",
        ("whsec_QUJD",),
        datetime.now(UTC),
        allow_private=False,
    )
    assert answer.refused and answer.status is None


async def test_the_receiver_in_the_docs_verifies_a_real_delivery(
    hooked: Hooked, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await hooked.app()
    created = await hooked.webhook(token, "/placeholder", ["PRODUCT_UPDATED"])
    monkeypatch.setenv("OMNISHOP_WEBHOOK_SECRET", created["secret"])
    match = re.search(r"```python\n(.*?)```", APPS_PAGE.read_text(encoding="utf-8"), re.DOTALL)
    assert match is not None
    receiver: dict[str, Any] = {"__name__": "receiver"}
    exec(compile(match.group(1), "docs/apps.md", "exec"), receiver)
    handled: list[tuple[str, dict[str, Any]]] = []
    receiver["handle"] = lambda event, data: handled.append((event, data))
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver["Receiver"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        await hooked.client.data(UPDATE, {"id": created["webhook"]["id"], "input": {"targetUrl": url}}, token=token)
        await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 5)
        delivery = await hooked.delivery()
    finally:
        server.shutdown()
        server.server_close()
    assert (delivery.status, delivery.response_status) == ("SUCCEEDED", 204)
    assert handled == [("PRODUCT_UPDATED", {"product": {"id": to_global_id("Product", 5)}})]


WIRED = ["ORDER_CREATED", "ORDER_PAID", "ORDER_CANCELLED", "STOCK_CHANGED", "PRODUCT_UPDATED", "MEMBER_CREATED"]


async def test_the_graphs_own_changes_reach_the_webhooks_that_hear_of_them(hooked: Hooked) -> None:
    client, admin = hooked.client, hooked.admin
    await hooked.webhook(await hooked.app(), "/all", [*WIRED, "MEMBER_ERASED"])
    shop = await open_shop(client, hooked.engine)
    order = await delivery_order(shop)
    assert (await pay(shop, order))["status"] == "PAID"
    cancelled = await client.data(
        "mutation($id: ID!) { orderCancel(id: $id) { userErrors { code } } }", {"id": order["id"]}, token=admin
    )
    assert cancelled["orderCancel"]["userErrors"] == []
    product = (
        await client.data(
            "query($v: ID!) { node(id: $v) { ... on ProductVariant { product { id } } } }", {"v": shop.v(0)}
        )
    )["node"]["product"]["id"]
    renamed = await client.data(
        'mutation($id: ID!) { productUpdate(id: $id, input: {name: "Renamed"}) { userErrors { code } } }',
        {"id": product},
        token=admin,
    )
    assert renamed["productUpdate"]["userErrors"] == []
    member = await new_member(client)
    erased = await client.data("mutation { memberErase { userErrors { code } } }", token=member.token)
    assert erased["memberErase"]["userErrors"] == []
    events: set[str] = set()
    for count in range(1, 100):
        received = await hooked.receiver.wait_for("/all", count)
        events = {orjson.loads(r.body)["event"] for r in received}
        if events >= {*WIRED, "MEMBER_ERASED"}:
            break
    assert events == {*WIRED, "MEMBER_ERASED"}
    bodies = [orjson.loads(r.body) for r in hooked.receiver.at("/all")]
    assert {"member": {"id": member.id}} in [b["data"] for b in bodies if b["event"] == "MEMBER_ERASED"]
    assert {"product": {"id": product}} in [b["data"] for b in bodies if b["event"] == "PRODUCT_UPDATED"]


async def test_listing_webhooks_with_their_deliveries_costs_the_same_statements_for_one_or_many(
    hooked: Hooked, statements: StatementCounter
) -> None:
    async def listed() -> int:
        statements.reset()
        await hooked.client.data(LIST, token=hooked.admin)
        return statements.count

    await hooked.webhook(await hooked.app("A"), "/a", ["PRODUCT_UPDATED"])
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 1, 2)
    await hooked.receiver.wait_for("/a", 2)
    one = await listed()
    for name in ("B", "C", "D"):
        await hooked.webhook(await hooked.app(name), f"/{name}", ["PRODUCT_UPDATED"])
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 3, 4)
    await hooked.receiver.wait_for("/D", 2)
    assert await listed() == one, statements.statements
