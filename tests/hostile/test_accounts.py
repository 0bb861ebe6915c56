"""Accounts as a hostile client tries them: an erased member's or deactivated staff user's token
kept after the fact, and one request that asks for many expensive account mutations at once."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.settings import Settings
from db.models import Cart, Order, OrderLine, StaffUser
from domain.access.model import StaffRole
from tests.api.test_carts import Shop, address, open_shop
from tests.api.test_checkout import placed
from tests.api.test_members import ADDRESS_CREATE, ERASE, MEMBERS, PASSWORD, new_member, top_code
from tests.helpers import GraphQLClient, StatementCounter

ME = "{ me { id name } }"
SIGN_IN = """mutation($i: String!, $p: String!) {
  tokenCreate(input: {identifier: $i, password: $p}) { accessToken refreshToken userErrors { code } } }"""
REFRESH = """mutation($t: String!) {
  tokenRefresh(input: {refreshToken: $t}) { accessToken userErrors { code } } }"""
CLAIM = """mutation { couponClaim(code: "WELCOME10") { userErrors { code } } }"""
REGISTER = """mutation($e: String!) {
  memberRegister(input: {email: $e, name: "Farmed", password: "s3cret-pass-9"}) { userErrors { code } } }"""


async def _personal_data(engine: AsyncEngine) -> list[tuple[str, Any]]:
    async with engine.connect() as conn:
        orders = (await conn.execute(sa.select(Order.total, Order.subtotal, Order.address))).all()
        carts = (await conn.execute(sa.select(Cart.id, Cart.address).order_by(Cart.id))).all()
        lines = await conn.scalar(sa.select(sa.func.count()).select_from(OrderLine))
    return [("order", tuple(o)) for o in orders] + [("cart", tuple(c)) for c in carts] + [("lines", lines)]


async def test_an_erased_members_tokens_stop_acting_at_once(client: GraphQLClient, demo: AsyncEngine) -> None:
    shop: Shop = await open_shop(client, demo)
    ann = await new_member(client)
    refresh = (await client.data(SIGN_IN, {"i": "ann@example.com", "p": PASSWORD}))["tokenCreate"]["refreshToken"]
    cart = await shop.cart([(0, 1)], token=ann.token)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, token=ann.token)
    order = await placed(shop, cart["id"], token=ann.token)
    open_cart = await shop.cart([(1, 2)], token=ann.token)
    await shop.fulfil(open_cart["id"], {"method": "DELIVERY", "address": address()}, token=ann.token)
    before = await _personal_data(demo)

    admin = await client.staff_token(demo, StaffRole.ADMIN)
    assert (await client.data(ERASE, {"id": ann.id}, token=admin))["memberErase"]["erased"] is True

    for query, variables in ((ME, {}), (ADDRESS_CREATE, {"input": address()}), (CLAIM, {}), (ERASE, {})):
        assert top_code(await client.post(query, variables, token=ann.token)) == "UNAUTHENTICATED"
    assert (await client.data(REFRESH, {"t": refresh}))["tokenRefresh"] == {
        "accessToken": None,
        "userErrors": [{"code": "INVALID_TOKEN"}],
    }
    after = await _personal_data(demo)
    assert [(kind, row[:-1]) for kind, row in after[:-1]] == [(kind, row[:-1]) for kind, row in before[:-1]]
    assert after[-1] == before[-1], "the order keeps its lines"
    assert all(row[-1] is not None for _, row in before[:-1]), "the fixture had addresses to erase"
    assert all(row[-1] is None for _, row in after[:-1]), after
    seen = (
        await client.data(
            "query($id: ID!) { order(id: $id) { total { amount } deliveryAddress { name } } }",
            {"id": order["id"]},
            token=admin,
        )
    )["order"]
    assert seen == {"total": {"amount": order["total"]["amount"]}, "deliveryAddress": None}


async def test_a_deactivated_or_demoted_staff_users_token_acts_as_they_are_now(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    assert "errors" not in await client.post(MEMBERS, {}, token=admin)
    async with engine.begin() as conn:
        await conn.execute(sa.update(StaffUser).values(role=StaffRole.FULFILLMENT))
    assert top_code(await client.post(MEMBERS, {}, token=admin)) == "FORBIDDEN"
    async with engine.begin() as conn:
        await conn.execute(sa.update(StaffUser).values(is_active=False))
    assert top_code(await client.post(MEMBERS, {}, token=admin)) == "UNAUTHENTICATED"


async def test_checking_a_token_at_use_costs_one_statement_and_none_for_anonymous_callers(
    client: GraphQLClient, demo: AsyncEngine, statements: StatementCounter
) -> None:
    ann = await new_member(client)
    statements.reset()
    assert (await client.data("{ __typename }")) == {"__typename": "Query"}
    assert statements.count == 0
    assert (await client.data("{ __typename }", token=ann.token)) == {"__typename": "Query"}
    assert statements.count == 1, statements.statements


def _registrations(n: int, prefix: str = "r") -> str:
    fields = " ".join(
        f'{prefix}{i}: memberRegister(input: {{email: "{prefix}{i}@example.com", name: "R", '
        f'password: "s3cret-pass-9"}}) {{ member {{ id }} }}'
        for i in range(n)
    )
    return f"mutation {{ {fields} }}"


async def _member_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.text("SELECT count(*) FROM members")) or 0)


async def test_one_operation_runs_at_most_one_expensive_mutation(client: GraphQLClient, demo: AsyncEngine) -> None:
    sign_in = 'tokenCreate(input: {identifier: "x@example.com", password: "guess"}) { accessToken }'
    refused = [
        _registrations(30),
        _registrations(2),
        f"mutation {{ a: {sign_in} b: {sign_in} }}",
        f"mutation {{ ...F ... on Mutation {{ {sign_in} }} }} fragment F on Mutation {{ {sign_in} }}",
        'mutation { staffTokenCreate(input: {email: "a@example.com", password: "p"}) { accessToken } '
        'memberRegister(input: {email: "s@example.com", name: "S", password: "s3cret-pass-9"}) { member { id } } }',
    ]
    for document in refused:
        response = await client.http.post(
            "/graphql", json={"query": document}, headers={"Accept": "application/graphql-response+json"}
        )
        body = response.json()
        assert response.status_code == 400 and body.get("data") is None, body
        [error] = body["errors"]
        assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "expensiveMutations", "maximum": 1}
    assert await _member_count(demo) == 0, "nothing ran"
    one = await client.data(_registrations(1))
    assert one["r0"]["member"]["id"]
    cheap = await client.data(f'mutation {{ {sign_in} tokenRevoke(input: {{refreshToken: "rt_x"}}) {{ revoked }} }}')
    assert cheap["tokenRevoke"] == {"revoked": False}


async def test_registrations_are_limited_per_address_but_not_at_a_till(
    engine: AsyncEngine, settings: Settings, demo: AsyncEngine
) -> None:
    app = create_app(settings.model_copy(update={"registrations_per_ip": 2}), engine=engine)
    async with app.router.lifespan_context(app):

        def caller(ip: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(ip, 50000)), base_url="http://testserver"
            )

        async with caller("10.0.0.1") as one, caller("10.0.0.2") as two:
            farm, shopper = GraphQLClient(one), GraphQLClient(two)

            async def register(client: GraphQLClient, email: str, token: str | None = None) -> list[str]:
                payload = (await client.data(REGISTER, {"e": email}, token=token))["memberRegister"]
                return [e["code"] for e in payload["userErrors"]]

            assert [await register(farm, f"f{i}@example.com") for i in range(3)] == [[], [], ["THROTTLED"]]
            assert await register(shopper, "ann@example.com") == []
            cashier = await farm.staff_token(engine, StaffRole.CASHIER)
            assert [await register(farm, f"t{i}@example.com", cashier) for i in range(3)] == [[], [], []]
    assert await _member_count(engine) == 6
