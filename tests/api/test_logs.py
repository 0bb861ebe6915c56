"""JSON logs (api/logs.py): one object per line, naming the request (id, operation, principal kind,
duration, trace id), and never a member's phone, e-mail or name, a password or a token, whatever the
level: the demo's members sign in (by e-mail and by phone), fail to, and check out."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.cli import DEMO_MEMBERS, DEMO_ORDERS, DEMO_PRODUCTS
from api.logs import JsonFormatter
from api.settings import Settings
from db.demo import seed_demo
from db.demo_members import DEMO_PASSWORD
from db.models import Member, MemberIdentity
from tests.api.test_carts import address, open_shop
from tests.api.test_checkout import CHECKOUT
from tests.helpers import GraphQLClient

SIGN_IN = """mutation SignIn($input: TokenCreateInput!) {
  tokenCreate(input: $input) { accessToken refreshToken userErrors { code } } }"""


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything the server's loggers write, at DEBUG, as JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("omnishop")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
async def client(engine: AsyncEngine, settings: Settings) -> AsyncIterator[GraphQLClient]:
    observed = settings.model_copy(update={"log_format": "json", "log_requests": True})
    app = create_app(observed, engine=engine, tracer_provider=TracerProvider())
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield GraphQLClient(http)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_each_request_is_one_json_line_with_its_id_operation_principal_duration_and_trace(
    client: GraphQLClient, captured: io.StringIO
) -> None:
    await client.http.post(
        "/graphql", json={"query": "query Channels { channels { slug } }"}, headers={"X-Request-ID": "req-42"}
    )
    (line,) = [e for e in lines(captured) if e["logger"] == "omnishop.requests"]
    assert line["request_id"] == "req-42" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert (line["operation_type"], line["operation"], line["principal"]) == ("query", "Channels", "anonymous")
    assert line["duration_ms"] > 0 and len(line["trace_id"]) == 32
    assert line["message"].startswith("POST /graphql 200 ")


async def test_a_request_id_that_is_not_a_plain_token_is_replaced(client: GraphQLClient) -> None:
    response = await client.http.post(
        "/graphql", json={"query": "{ channels { slug } }"}, headers={"X-Request-ID": "a b{c}" * 30}
    )
    assert len(response.headers["x-request-id"]) == 16


async def test_the_demo_flow_logs_no_phone_email_name_password_or_token(
    engine: AsyncEngine, client: GraphQLClient, captured: io.StringIO
) -> None:
    await seed_demo(engine, products=DEMO_PRODUCTS, members=DEMO_MEMBERS, orders=DEMO_ORDERS)
    async with engine.connect() as conn:
        identities = (await conn.execute(sa.select(MemberIdentity.kind, MemberIdentity.value))).all()
        names = (await conn.scalars(sa.select(Member.name))).all()
    phones = [v for k, v in identities if k.value == "PHONE"]
    assert phones and names
    secrets: list[str] = [v for _, v in identities] + list(names) + [DEMO_PASSWORD]

    tokens = []
    for identifier in ("member1@example.com", phones[0]):
        signed = await client.data(SIGN_IN, {"input": {"identifier": identifier, "password": DEMO_PASSWORD}})
        tokens += [signed["tokenCreate"]["accessToken"], signed["tokenCreate"]["refreshToken"]]
    wrong = await client.data(SIGN_IN, {"input": {"identifier": phones[0], "password": "not-the-password"}})
    assert wrong["tokenCreate"]["userErrors"]
    await client.post(SIGN_IN, {"input": {"identifier": phones[0]}})  # invalid variables: a client error
    shop = await open_shop(client, engine)
    cart = await shop.cart([(0, 1)], token=tokens[0])
    delivery = address(name="Wang Fang", phone="+8613912345678")
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": delivery}, token=tokens[0])
    placed = await client.data(CHECKOUT, {"id": cart["id"], "key": "log-1"}, token=tokens[0])
    assert placed["checkoutComplete"]["userErrors"] == []
    secrets += [*tokens, delivery["name"], delivery["phone"], cart["id"]]

    text = captured.getvalue()
    written = lines(captured)
    assert [e for e in written if e.get("status") == 200 and e.get("principal") == "member"]
    assert any(e["message"].startswith("client error") for e in written)  # the invalid variables were logged
    leaked = [s for s in secrets if s and s in text]
    assert leaked == [], leaked
    assert "13912345678" not in text and "Bearer" not in text
