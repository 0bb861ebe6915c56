"""The raw-SQL floor of the listing: the same page served by a bare Starlette endpoint, no GraphQL, no ORM.

Two statements (the page of products with their category and price range, then their variants
with price and available stock), rows straight from asyncpg (aiosqlite on SQLite), dicts
serialised with orjson into the same JSON shape the graph answers. It runs as its own uvicorn
process, driven by the same client at the same concurrency in the same run, so the API's
throughput over the floor's says what GraphQL and the ORM cost on top of the data itself.

    uvicorn bench.floor:app_from_env --factory   # with FLOOR_DATABASE_URL set
"""

from __future__ import annotations

import base64
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PAGE = """SELECT p.id, p.name, p.slug, c.id, c.name, l.min_price, l.max_price
FROM products p
JOIN product_channel_listings l ON l.product_id = p.id AND l.channel_id = {channel} AND l.is_published
LEFT JOIN categories c ON c.id = p.category_id
ORDER BY p.name, p.id LIMIT {limit}"""
VARIANTS = """SELECT v.product_id, v.id, v.sku, v.name, vl.price,
  (SELECT coalesce(sum(s.on_hand - s.reserved), 0) FROM stock_levels s
   JOIN channel_locations cl ON cl.location_id = s.location_id AND cl.channel_id = {channel}
   JOIN locations loc ON loc.id = s.location_id AND loc.is_active
   WHERE s.variant_id = v.id)
FROM product_variants v
LEFT JOIN variant_channel_listings vl ON vl.variant_id = v.id AND vl.channel_id = {channel}
WHERE v.product_id {ids} ORDER BY v.product_id, v.id"""
CHANNEL = "SELECT id, currency FROM channels WHERE is_default"


def gid(type_name: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def page_json(
    rows: Sequence[Sequence[Any]], variants: Sequence[Sequence[Any]], first: int, currency: str, scale: int = 1
) -> bytes:
    """The listing's JSON from the two result sets; SQLite keeps amounts as integer thousandths (`scale`)."""

    def money(amount: Decimal | int | None, currency: str) -> dict[str, str] | None:
        return None if amount is None else {"amount": f"{Decimal(amount) / scale:.2f}", "currency": currency}

    by_product: dict[int, list[dict[str, Any]]] = {}
    for product_id, vid, sku, name, price, available in variants:
        by_product.setdefault(product_id, []).append(
            {
                "id": gid("ProductVariant", vid),
                "sku": sku,
                "name": name,
                "price": money(price, currency),
                "stock": {"available": int(available)},
            }
        )
    edges = []
    for pid, name, slug, cid, cname, low, high in rows[:first]:
        pricing = (
            None if low is None else {"priceRange": {"start": money(low, currency), "stop": money(high, currency)}}
        )
        edges.append(
            {
                "node": {
                    "id": gid("Product", pid),
                    "name": name,
                    "slug": slug,
                    "category": None if cid is None else {"id": gid("Category", cid), "name": cname},
                    "pricing": pricing,
                    "variants": by_product.get(pid, []),
                }
            }
        )
    end = base64.urlsafe_b64encode(orjson.dumps([rows[first - 1][1], rows[first - 1][0]])).decode() if edges else None
    return orjson.dumps(
        {"data": {"products": {"edges": edges, "pageInfo": {"hasNextPage": len(rows) > first, "endCursor": end}}}}
    )


class PostgresPages:
    def __init__(self, url: str) -> None:
        self.url = url

    async def open(self) -> None:
        import asyncpg

        parsed = make_url(self.url)
        self.pool = await asyncpg.create_pool(
            host=parsed.host,
            port=parsed.port,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
            min_size=2,
            max_size=10,
        )
        row = await self.pool.fetchrow(CHANNEL)
        self.channel, self.currency = row[0], row[1]
        self.page_sql = PAGE.format(channel="$1", limit="$2")
        self.variants_sql = VARIANTS.format(channel="$1", ids="= ANY($2::bigint[])")

    async def close(self) -> None:
        await self.pool.close()

    async def page(self, first: int) -> bytes:
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(self.page_sql, self.channel, first + 1)
            variants = await conn.fetch(self.variants_sql, self.channel, [r[0] for r in rows[:first]])
        return page_json(rows, variants, first, self.currency)


class SqlitePages:
    def __init__(self, url: str) -> None:
        self.path = make_url(url).database or ""

    async def open(self) -> None:
        import aiosqlite

        self.db = await aiosqlite.connect(self.path)
        async with self.db.execute(CHANNEL) as cursor:
            self.channel, self.currency = await cursor.fetchone()  # type: ignore[misc]

    async def close(self) -> None:
        await self.db.close()

    async def page(self, first: int) -> bytes:
        async with self.db.execute(PAGE.format(channel="?", limit="?"), (self.channel, first + 1)) as cursor:
            rows = list(await cursor.fetchall())
        ids = [r[0] for r in rows[:first]]
        sql = VARIANTS.format(channel="?", ids=f"IN ({','.join('?' * len(ids)) or 'NULL'})")
        async with self.db.execute(sql, (self.channel, self.channel, *ids)) as cursor:
            variants = list(await cursor.fetchall())
        return page_json(rows, variants, first, self.currency, scale=1000)


def create_floor_app(url: str) -> Starlette:
    pages = SqlitePages(url) if url.startswith("sqlite") else PostgresPages(url)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await pages.open()
        try:
            yield
        finally:
            await pages.close()

    async def listing(request: Request) -> Response:
        first = int(orjson.loads(await request.body())["variables"]["first"])
        return Response(await pages.page(first), media_type="application/json")

    async def health(_request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/graphql", listing, methods=["POST"]), Route("/health", health)], lifespan=lifespan)


def app_from_env() -> Starlette:
    return create_floor_app(os.environ["FLOOR_DATABASE_URL"])


def floor_command() -> list[str]:
    """The uvicorn command line for `bench.server.running(command=...)`."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.floor:app_from_env",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
