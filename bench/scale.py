"""`scale`: p95 of the storefront listing, the product page, a member's order list (`me.orders`) and a
till's `memberLookup` on the small data set and on a big one, and their ratio (QUALITY.md's bar: within
1.25x, which indexes and keyset pagination buy).

Small: the reference catalogue (`--products`, 10,000) with `--members` members and `--orders` orders;
large: `--large` products, `--large-members` and `--large-orders` (100,000 / 200,000 / 1,000,000, about
10 M rows). Both are seeded once with the demo generator and kept as `omnishop_bench_<products>_<m>m_<o>o`;
the large one's first run takes minutes, later ones reuse it. `me.orders` signs in (`tokenCreate`) as
the member with the most orders; `memberLookup` runs as a bench admin (inserted if missing) over
identities spread through the table (e-mails, phones, member cards). A data set whose report rollups are
behind its orders (a fresh seed) has them rebuilt first, as `reports` does: a server's feed would
otherwise count a million orders' events while the pages are measured. `--document`, `--operation` and
`--variables` send a client's listing instead of the bench's own (a storefront's asks for `totalCount`).
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa

from bench import listing, server
from bench.database import STAFF_EMAIL, STAFF_PASSWORD, ensure_bench_admin, reference
from bench.detail import published_slugs
from bench.documents import add_document_options, chosen
from bench.graph import DETAIL, LISTING, STAFF_SIGN_IN, http_client, measure, post
from bench.harness import Load, Report, say
from bench.reports import rebuild, rollups_behind
from bench.wrk import WrkLoad
from db.demo_members import DEMO_PASSWORD, email
from db.engine import create_engine
from db.models import MemberIdentity, Order

ME_ORDERS = """query MyOrders {
  me { orders(first: 20) { edges { node { number total { amount } lines { quantity } } } } } }"""
LOOKUP = """query Lookup($identifier: String!) { memberLookup(identifier: $identifier) { id name email
  points { balance } } }"""
SIGN_IN = """mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { accessToken userErrors { message } } }"""
IDENTIFIERS = 500

Measure = Callable[[str, argparse.Namespace], Awaitable[Load | WrkLoad]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(concurrency=1, search=False)
    parser.add_argument("--members", type=int, default=2_000, help="members in the small data set")
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the small data set")
    parser.add_argument("--large", type=int, default=100_000, help="products in the big data set")
    parser.add_argument("--large-members", type=int, default=200_000, help="members in the big data set")
    parser.add_argument("--large-orders", type=int, default=1_000_000, help="orders in the big data set")
    parser.add_argument("--first", type=int, default=20, help="products on the listing page")
    add_document_options(parser)  # the listing's


async def _prepare(url: str) -> tuple[int, list[str]]:
    """The member with the most orders, identifiers to look up, and the bench admin (made if missing)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            member_id = await conn.scalar(
                sa.select(Order.member_id)
                .where(Order.member_id.is_not(None))
                .group_by(Order.member_id)
                .order_by(sa.func.count().desc())
                .limit(1)
            )
            last = await conn.scalar(sa.select(sa.func.max(MemberIdentity.id))) or 0
            wanted = sorted({1 + i * last // IDENTIFIERS for i in range(IDENTIFIERS)})
            identifiers = list(
                (await conn.scalars(sa.select(MemberIdentity.value).where(MemberIdentity.id.in_(wanted)))).all()
            )
            await ensure_bench_admin(conn)
    finally:
        await engine.dispose()
    if member_id is None or not identifiers:
        raise RuntimeError("the data set has no members with orders: seed it with --members and --orders")
    return int(member_id), identifiers


async def _signed_in_load(
    url: str,
    args: argparse.Namespace,
    sign_in: tuple[str, str, dict[str, str]],
    query: str,
    variables: list[dict[str, Any]],
) -> Load | WrkLoad:
    mutation, field, credentials = sign_in
    async with server.running(url, workers=args.workers) as api, http_client(api.url, args.concurrency) as client:
        token = (await post(client, mutation, {"input": credentials}))[field]["accessToken"]
        if not token:
            raise RuntimeError(f"{field} gave no token")
        client.headers["Authorization"] = f"Bearer {token}"
        return await measure(client, api.url, query, variables, args)


async def detail_load(url: str, args: argparse.Namespace) -> Load | WrkLoad:
    slugs = await published_slugs(url, 500)
    async with server.running(url, workers=args.workers) as api, http_client(api.url, args.concurrency) as client:
        return await measure(client, api.url, DETAIL, [{"slug": s} for s in slugs], args)


async def run(args: argparse.Namespace, report: Report) -> int:
    p95: dict[tuple[str, int], float] = {}
    errors = 0
    listing_page = chosen(args, LISTING, {"first": args.first}, report)

    async def listing_load(url: str, a: argparse.Namespace) -> Load | WrkLoad:
        return await listing.load(url, a, listing_page)

    sizes = ((args.products, args.members, args.orders), (args.large, args.large_members, args.large_orders))
    for products, members, orders in sizes:
        async with reference(
            products, members=members, orders=orders, sqlite=args.sqlite, fresh=args.fresh, report=report
        ) as db:
            member_id, identifiers = await _prepare(db.url)
            if await rollups_behind(db.url):  # else the server's report feed catches up during the measures
                await rebuild(db.url, report)

            async def me_orders(url: str, a: argparse.Namespace, member_id: int = member_id) -> Load | WrkLoad:
                return await _signed_in_load(
                    url,
                    a,
                    (SIGN_IN, "tokenCreate", {"identifier": email(member_id), "password": DEMO_PASSWORD}),
                    ME_ORDERS,
                    [{}],
                )

            async def lookup(url: str, a: argparse.Namespace, identifiers: list[str] = identifiers) -> Load | WrkLoad:
                return await _signed_in_load(
                    url,
                    a,
                    (STAFF_SIGN_IN, "staffTokenCreate", {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}),
                    LOOKUP,
                    [{"identifier": i} for i in identifiers],
                )

            pages: dict[str, Measure] = {
                "listing": listing_load,
                "detail": detail_load,
                "me_orders": me_orders,
                "member_lookup": lookup,
            }
            for page, measure in pages.items():
                say(f"scale: {page} on {products:,} products, {members:,} members, {orders:,} orders")
                result = await measure(db.url, args)
                errors += result.errors
                if result.first_error:
                    say(f"{page}: first error: {result.first_error[:500]}")
                p95[(page, products)] = result.quantile(95) * 1000
                where = {"page": page, "products": products, "members": members, "orders": orders}
                report.figure("p50_ms", round(result.quantile(50) * 1000, 2), **where)
                report.figure(
                    "p95_ms", round(p95[(page, products)], 2), **where, requests=result.requests, errors=result.errors
                )
    for page in ("listing", "detail", "me_orders", "member_lookup"):
        report.figure(
            "p95_large_over_small",
            round(p95[(page, args.large)] / p95[(page, args.products)], 3),
            page=page,
            small=args.products,
            large=args.large,
        )
    return 1 if errors else 0
