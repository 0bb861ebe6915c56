"""Documents as front ends send them (tests/clients/: a copy of ../shared/clients/, with fragments,
`__typename` and every argument a variable) take the fast path like hand-written ones.

For every client read and its variables, and for variations of a listing that write the same request
differently (literal, variable, default or explicit null channel, aliases, field order, inline
fragments, no `__typename`): the answer with the executor's plans is the same text as graphql-core's
own; the statements per request are pinned; and how the request is written changes neither the
statements nor the fields graphql-core resolves itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from schema import execution
from tests.helpers import GraphQLClient, StatementCounter

pytestmark = pytest.mark.usefixtures("demo")

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
STOREFRONT = (CLIENTS / "storefront.graphql").read_text()
VARIABLES: dict[str, list[dict[str, Any]]] = json.loads((CLIENTS / "variables.json").read_text())

# Statements per request once the channel is cached: ProductListing reads the page with its listings,
# categories and count (`totalCount`), the products' images (one for the page: `media` on the card),
# and the variants with their prices and stock; ProductPage reads the product with its listing, the
# category trail, its images, and the variants with prices and stock.
STATEMENTS = {"ProductListing": 3, "ProductPage": 4}
READS = [(operation, variables) for operation in STATEMENTS for variables in VARIABLES[operation]]


class Counted:
    """The fields graphql-core resolves itself (`execute_field`): what the plans do not complete."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fields = 0
        execute_field = execution.SyncCompletion.execute_field

        def counting(context: execution.SyncCompletion, *args: Any) -> Any:
            self.fields += 1
            return execute_field(context, *args)

        monkeypatch.setattr(execution.SyncCompletion, "execute_field", counting)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counted:
    return Counted(monkeypatch)


@pytest.fixture
async def slug(client: GraphQLClient) -> str:
    page = await client.data("{ products(first: 1) { edges { node { slug } } } }")
    found: str = page["products"]["edges"][0]["node"]["slug"]
    return found


def _filled(variables: dict[str, Any], slug: str) -> dict[str, Any]:
    """The placeholders of variables.json filled in."""
    return {k: slug if k == "slug" else v for k, v in variables.items()}


async def _answer(client: GraphQLClient, query: str, variables: dict[str, Any], operation: str | None) -> str:
    """The answer as text, in its order (extensions left out: the rate limit's bucket moves on)."""
    body = await client.post(query, variables, operation=operation)
    assert body.get("data") is not None, body
    return json.dumps({k: body[k] for k in ("data", "errors") if k in body})


async def _general(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any], op: str | None
) -> str:
    with monkeypatch.context() as m:
        m.setattr(execution.SyncCompletion, "_plan_for", lambda *_: None)
        return await _answer(client, query, variables, op)


@pytest.mark.parametrize(("operation", "variables"), READS)
async def test_client_reads_answer_as_graphql_core_does_in_pinned_statements(
    client: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
    statements: StatementCounter,
    counted: Counted,
    slug: str,
    operation: str,
    variables: dict[str, Any],
) -> None:
    variables = _filled(variables, slug)
    fast = await _answer(client, STOREFRONT, variables, operation)  # also caches the channel
    for _ in range(2):
        statements.reset()
        counted.fields = 0
        assert await _answer(client, STOREFRONT, variables, operation) == fast
        assert statements.count == STATEMENTS[operation], statements.statements
        # only the root field: a listing's count is awaited by its resolver, so its connection completes
        # in one pass too
        assert counted.fields == 1
    assert await _general(client, monkeypatch, STOREFRONT, variables, operation) == fast


PRICE = "fragment Price on Money { amount currency __typename }"
LISTING = """query Listing($first: Int, $channel: String) {
  products(first: $first, channel: $channel) { edges { node { id name __typename category { name __typename }
    variants { id sku price(channel: $channel) { ...Price } stock(channel: $channel) { available __typename }
      __typename } } __typename } __typename }
}"""
BASE = f"{PRICE}\n{LISTING}"


def _variations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(what differs, document, variables): the same page of the `online` channel, written otherwise."""
    online = {"first": 5, "channel": "online"}
    yield "variables", BASE, online
    yield "literal channel", BASE.replace("(channel: $channel) {", '(channel: "online") {'), online
    yield "literal null", BASE.replace("(channel: $channel) {", "(channel: null) {"), online
    yield "no channel argument", BASE.replace("(channel: $channel) {", " {"), online
    yield "explicit null variable", BASE, {"first": 5, "channel": None}
    yield "channel left out", BASE, {"first": 5}
    yield "default value", BASE.replace("$channel: String)", '$channel: String = "online")'), {"first": 5}
    yield (
        "aliases",
        BASE.replace("price(", "cost: price(").replace("stock(", "units: stock(").replace(" name ", " title: name "),
        online,
    )
    reordered = """query Listing($channel: String, $first: Int) {
  products(channel: $channel, first: $first) { __typename edges { __typename node { __typename
    variants { __typename stock(channel: $channel) { __typename available } price(channel: $channel) { ...Price }
      sku id } category { __typename name } name id } } }
}"""
    yield "field order", f"{PRICE}\n{reordered}", online
    inline = BASE.replace("{ ...Price }", "{ ... on Money { amount currency __typename } }").replace(PRICE, "")
    yield "inline fragment", inline, online
    yield "no __typename", BASE.replace(" __typename", ""), online
    card = """fragment Card on Product { id name category { name } variants { ...Variant } }
fragment Variant on ProductVariant { id sku price(channel: $channel) { ...Price }
  stock(channel: $channel) { available } }
query Listing($first: Int, $channel: String) { products(first: $first, channel: $channel) {
  edges { node { ...Card ... on Product { variants { sku } } } } } }"""
    yield "nested fragments", f"{PRICE}\n{card}", online


VARIATIONS = list(_variations())


@pytest.mark.parametrize(("what", "query", "variables"), VARIATIONS, ids=[v[0] for v in VARIATIONS])
async def test_how_a_listing_is_written_changes_neither_its_answer_nor_its_work(
    client: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
    statements: StatementCounter,
    counted: Counted,
    what: str,
    query: str,
    variables: dict[str, Any],
) -> None:
    assert query != BASE or what in ("variables", "explicit null variable", "channel left out")
    fast = await _answer(client, query, variables, "Listing")
    statements.reset()
    counted.fields = 0
    assert await _answer(client, query, variables, "Listing") == fast
    assert statements.count == 2, statements.statements  # the page with its categories, the variants' offers
    assert counted.fields == 1  # `products`: plans complete everything below it
    assert await _general(client, monkeypatch, query, variables, "Listing") == fast


async def test_a_channel_named_in_every_way_gives_the_same_page(client: GraphQLClient) -> None:
    answers = {
        what: json.loads(await _answer(client, query, variables, "Listing"))
        for what, query, variables in VARIATIONS[:7]
    }
    assert len({json.dumps(a) for a in answers.values()}) == 1, answers.keys()
    pos = json.loads(await _answer(client, BASE, {"first": 5, "channel": "pos"}, "Listing"))
    assert pos != answers["variables"]  # another channel's page: its own products and prices


def _masked(answer: str) -> str:
    """An answer with what differs from one cart to the next (ids, the order's number) masked."""

    def mask(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: "<masked>" if k in ("id", "number") else mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        return value

    return json.dumps(mask(json.loads(answer)))


async def test_client_mutations_answer_as_graphql_core_does(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two buyers go through the client's cart, fulfilment and checkout, one with the executor's plans
    and one through graphql-core alone; their answers differ only in ids and the order's number."""
    page = await client.data(
        "{ products(first: 20) { edges { node { variants { id price { amount } stock { available } } } } } }"
    )
    variant = next(
        v["id"]
        for e in page["products"]["edges"]
        for v in e["node"]["variants"]
        if v["price"] and v["stock"]["available"] > 2
    )
    create = {"input": {"channel": "online", "lines": [{"variantId": variant, "quantity": 1}]}}
    [fulfil] = VARIABLES["CartFulfillment"]
    answers = []
    for plans in (True, False):
        with monkeypatch.context() as m:
            if not plans:
                m.setattr(execution.SyncCompletion, "_plan_for", lambda *_: None)
            created = await _answer(client, STOREFRONT, create, "CartCreate")
            cart = json.loads(created)["data"]["cartCreate"]["cart"]["id"]
            fulfilled = await _answer(client, STOREFRONT, {**fulfil, "cartId": cart}, "CartFulfillment")
            done = await _answer(client, STOREFRONT, {"cartId": cart, "key": f"key-{plans}"}, "Checkout")
            answers.append([_masked(a) for a in (created, fulfilled, done)])
    assert answers[0] == answers[1]
    assert json.loads(answers[0][2])["data"]["checkoutComplete"]["order"]["status"]
