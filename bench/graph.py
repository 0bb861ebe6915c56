"""The GraphQL documents the benches send, as a storefront client would, and a sender for the load driver.

Bodies are serialised with orjson once per request and checked without parsing the answer
(status 200 and no top-level `errors`), so the load generator spends its CPU on sending.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from bench import wrk
from bench.harness import Load, Send, drive

LISTING = """query Listing($first: Int!) {
  products(first: $first) {
    edges { node { id name slug
      category { id name }
      pricing { priceRange { start { amount currency } stop { amount currency } } }
      variants { id sku name price { amount currency } stock { available } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

SEARCH = LISTING.replace("query Listing($first: Int!)", "query Search($first: Int!, $search: String!)").replace(
    "products(first: $first)", "products(first: $first, search: $search)"
)
# What `listing --search` asks for in turn: words of a name, of two names, a description's word, a
# SKU's prefix, a size; a colour (an attribute value: clothes and shoes have it nowhere else) alone and
# with a word of the name; Chinese of two characters (below a trigram: a LIKE over every product's text)
# and of four, which the demo's English catalogue does not hold (the cost of finding nothing).
SEARCHES = (
    "shirt",
    "linen shirt",
    "merino hoodie",
    "softness",
    "APP-0001",
    "cotton tee xl",
    "navy",
    "white tee",
    "白色",
    "纯棉 T恤",
    "男女同款",
)

DETAIL = """query Detail($slug: String!) {
  product(slug: $slug) { id name slug description createdAt
    category { id name slug parent { id name } }
    pricing { priceRange { start { amount currency } stop { amount currency } } }
    isAvailable
    variants { id sku name price { amount currency } stock { available } }
  }
}"""

CART_CREATE = """mutation($input: CartCreateInput!) {
  cartCreate(input: $input) { cart { id total { amount } } userErrors { field code message } } }"""

FULFIL = """mutation($id: ID!, $input: CartFulfillmentInput!) {
  cartFulfillmentSet(cartId: $id, input: $input) { cart { id shipping { amount } total { amount } }
    userErrors { field code message } } }"""

CHECKOUT = """mutation($id: ID!, $key: String!) {
  checkoutComplete(cartId: $id, idempotencyKey: $key) { order { id number status total { amount } }
    userErrors { field code message } } }"""

STAFF_SIGN_IN = """mutation($input: StaffTokenCreateInput!) {
  staffTokenCreate(input: $input) { accessToken userErrors { message } } }"""

ADDRESS = {
    "name": "Bench Buyer",
    "phone": "138 0013 8000",
    "line1": "1 Nanjing Road",
    "city": "Shanghai",
    "country": "CN",
    "latitude": 31.24,
    "longitude": 121.48,
}

JSON = {"Content-Type": "application/json"}


def body(query: str, variables: dict[str, Any] | None = None, operation: str | None = None) -> bytes:
    """A request body; `operation` names the operation to run when the document holds several."""
    payload: dict[str, Any] = {"query": query, "variables": variables or {}}
    if operation is not None:
        payload["operationName"] = operation
    return orjson.dumps(payload)


def graphql_sender(
    client: httpx.AsyncClient,
    query: str,
    variables: Callable[[int], dict[str, Any]] | None = None,
    operation: str | None = None,
) -> Send:
    """A `Send` posting `query` with `variables(i)` (the same bytes every time when there are none)."""
    fixed = body(query, None, operation)

    async def send(i: int) -> str | None:
        content = body(query, variables(i), operation) if variables else fixed
        response = await client.post("/graphql", content=content, headers=JSON)
        if response.status_code != 200 or b'"errors"' in response.content:
            return f"{response.status_code} {response.text[:300]}"
        return None

    return send


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, operation: str | None = None
) -> dict[str, Any]:
    """One request whose answer is needed: the `data`, or RuntimeError with the errors."""
    response = await client.post("/graphql", content=body(query, variables, operation), headers=JSON)
    answer: dict[str, Any] = response.json()
    if "errors" in answer or answer.get("data") is None:
        raise RuntimeError(f"{response.status_code}: {str(answer.get('errors'))[:500]}")
    data: dict[str, Any] = answer["data"]
    return data


def http_client(url: str, concurrency: int) -> httpx.AsyncClient:
    """Keep-alive connections, one per concurrent caller."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=url, limits=limits, timeout=60.0)


def uses_wrk(args: argparse.Namespace) -> bool:
    """`--client auto` takes wrk when it is installed and the run is timed (wrk cannot count requests)."""
    if args.client == "auto":
        return wrk.available() and args.requests is None
    return bool(args.client == "wrk")


async def measure(
    client: httpx.AsyncClient,
    base_url: str,
    query: str,
    variables: list[dict[str, Any]],
    args: argparse.Namespace,
    operation: str | None = None,
) -> Load | wrk.WrkLoad:
    """Post `query` (its `operation`) with each of `variables` in turn at `args.concurrency` (with
    `client`'s headers): warm up with `client`, then load with wrk or with `client` (`uses_wrk`)."""
    send = graphql_sender(client, query, lambda i: variables[i % len(variables)], operation)
    if not uses_wrk(args):
        return await drive(
            send, concurrency=args.concurrency, duration=args.duration, requests=args.requests, warmup=args.warmup
        )
    await drive(send, concurrency=args.concurrency, duration=0, requests=args.warmup)
    headers = {k: v for k, v in client.headers.items() if k.lower() == "authorization"}
    return await wrk.drive(
        base_url + "/graphql",
        [body(query, v, operation) for v in variables],
        concurrency=args.concurrency,
        duration=args.duration,
        headers=headers,
    )
