"""`nearby`: `nearbyStores` through the ASGI app, as a client calls it, among thousands of stores.

Builds its own database (not the reference data set): STORES stores scattered over a 60 km disc
around Shanghai, every one selling into the default channel and about half of them stocking the
one benchmarked variant, then times CALLS sequential requests per case from random points in the
city through httpx's ASGI transport (the whole stack: parsing, validation, resolvers, SQL, JSON),
on SQLite (a temporary file) and on PostgreSQL (a throwaway database, dropped after) unless
`--sqlite` asks for SQLite only. In-process on purpose: the figure is the query's cost, not HTTP's.
"""

from __future__ import annotations

import argparse
import math
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.settings import Settings
from bench.database import ADMIN_URL
from bench.harness import Report, percentile, say
from db.engine import create_engine
from db.migrations import upgrade
from db.models import (
    Channel,
    ChannelLocation,
    Location,
    Product,
    ProductVariant,
    StockLevel,
)
from domain.catalog.model import ChannelKind, ChannelOwnership
from domain.inventory.model import LocationType
from schema.relay import to_global_id

CITY = (31.2304, 121.4737)  # People's Square, Shanghai
SPREAD_KM = 60.0
QUERY = """query($lat: Float!, $lon: Float!, $radius: Float, $variant: ID, $first: Int, $inStock: Boolean) {
  nearbyStores(latitude: $lat, longitude: $lon, radiusKm: $radius, variantId: $variant, first: $first,
               inStockOnly: $inStock) { distanceKm available location { id code name latitude longitude } } }"""
BASELINE = "{ channels { slug } }"  # the stack's own cost per request, to read the figures against
CASES: dict[str, dict[str, Any]] = {
    "baseline: { channels { slug } }": {"baseline": True},
    "radius=50km first=20 (default)": {},
    "radius=50km first=20 variantId": {"variant": True},
    "radius=50km first=20 variantId inStockOnly": {"variant": True, "inStock": True},
    "radius=5km first=20 variantId": {"variant": True, "radius": 5.0},
    "radius=200km first=100 variantId": {"variant": True, "radius": 200.0, "first": 100},
}


def scatter(rng: random.Random, radius_km: float) -> tuple[float, float]:
    """A uniformly random point within `radius_km` of the city centre."""
    r, bearing = radius_km * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    dlat = math.degrees(r * math.cos(bearing) / 6371.0)
    dlon = math.degrees(r * math.sin(bearing) / (6371.0 * math.cos(math.radians(CITY[0]))))
    return CITY[0] + dlat, CITY[1] + dlon


async def fill(engine: AsyncEngine, stores: int) -> int:
    """The channel, one product variant, the stores and their stock; returns the variant id."""
    rng = random.Random(42)
    async with engine.begin() as conn:
        channel = await conn.scalar(
            sa.insert(Channel)
            .values(
                slug="online",
                name="Online",
                currency="CNY",
                kind=ChannelKind.APP,
                ownership=ChannelOwnership.DIRECT,
                is_default=True,
                is_active=True,
            )
            .returning(Channel.id)
        )
        product = await conn.scalar(sa.insert(Product).values(name="Bench Tee", slug="bench-tee").returning(Product.id))
        variant = await conn.scalar(
            sa.insert(ProductVariant).values(product_id=product, sku="BENCH-1", name="M").returning(ProductVariant.id)
        )
        rows = []
        for i in range(stores):
            lat, lon = scatter(rng, SPREAD_KM)
            rows.append(
                {
                    "id": i + 1,
                    "code": f"B{i + 1:05d}",
                    "name": f"Bench store {i + 1}",
                    "type": LocationType.STORE,
                    "latitude": lat,
                    "longitude": lon,
                    "is_pickup_point": True,
                    "ships_to_home": True,
                    "priority": 100,
                    "is_active": True,
                }
            )
        await conn.execute(sa.insert(Location), rows)
        await conn.execute(sa.insert(ChannelLocation), [{"channel_id": channel, "location_id": r["id"]} for r in rows])
        await conn.execute(
            sa.insert(StockLevel),
            [
                {
                    "variant_id": variant,
                    "location_id": r["id"],
                    "on_hand": rng.randint(1, 30),
                    "reserved": 0 if rng.random() < 0.7 else 1,
                }
                for r in rows
                if rng.random() < 0.5
            ],
        )
        if conn.dialect.name == "postgresql":
            await conn.execute(
                sa.text("SELECT setval(pg_get_serial_sequence('locations', 'id'), (SELECT MAX(id) FROM locations))")
            )
    if engine.dialect.name == "postgresql":  # the statistics autovacuum would gather after a bulk load;
        async with engine.connect() as conn:  # SQLite is left without, as an embedded install runs
            await conn.execute(sa.text("ANALYZE"))
            await conn.commit()
    assert variant is not None
    return int(variant)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stores", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=100, help="timed requests per case")


async def measure(report: Report, backend: str, engine: AsyncEngine, stores: int, calls: int) -> None:
    started = time.perf_counter()
    variant = to_global_id("ProductVariant", await fill(engine, stores))
    report.figure("setup_s", round(time.perf_counter() - started, 2), backend=backend, stores=stores)
    settings = Settings(
        database_url="sqlite://",
        secret_key=SecretStr(secrets.token_urlsafe(48)),
        order_expiry_interval=0,
        rate_limit=False,
        _env_file=None,
    )
    app = create_app(settings, engine=engine)
    rng = random.Random(7)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http,
    ):
        for case, args in CASES.items():
            variables = {
                "radius": args.get("radius"),
                "first": args.get("first"),
                "variant": variant if args.get("variant") else None,
                "inStock": args.get("inStock"),
            }
            timings, returned = [], []
            for i in range(calls + 10):
                lat, lon = scatter(rng, 30.0)
                request = (
                    {"query": BASELINE}
                    if args.get("baseline")
                    else {"query": QUERY, "variables": {**variables, "lat": lat, "lon": lon}}
                )
                t0 = time.perf_counter()
                response = await http.post("/graphql", json=request)
                elapsed = time.perf_counter() - t0
                body = response.json()
                if "errors" in body:
                    raise RuntimeError(f"{case}: {body['errors']}")
                if i >= 10:  # the first few warm the caches and the pool
                    timings.append(elapsed)
                    returned.append(len(next(iter(body["data"].values()))))
            timings.sort()
            extra = {
                "backend": backend,
                "case": case,
                "calls": calls,
                "stores": stores,
                "avg_returned": round(statistics.mean(returned), 1),
            }
            for q in (50, 95):
                report.figure(f"p{q}_ms", round(percentile(timings, q) * 1000, 2), **extra)


@asynccontextmanager
async def sqlite_engine() -> AsyncIterator[AsyncEngine]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
        try:
            await upgrade(engine)
            yield engine
        finally:
            await engine.dispose()


@asynccontextmanager
async def postgres_engine(admin_url: str) -> AsyncIterator[AsyncEngine]:
    admin = create_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    name = f"omnishop_bench_nearby_{uuid.uuid4().hex[:8]}"
    async with admin.connect() as conn:
        await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(admin_url.rsplit("/", 1)[0] + "/" + name)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def run(args: argparse.Namespace, report: Report) -> int:
    for key in ("concurrency", "workers"):  # sequential and in-process: neither applies
        report.context.pop(key, None)
    say(f"nearby: {args.stores} stores, {args.calls} calls per case, SQLite")
    async with sqlite_engine() as engine:
        await measure(report, "sqlite", engine, args.stores, args.calls)
    if not args.sqlite:
        say("nearby: PostgreSQL")
        async with postgres_engine(ADMIN_URL) as pg:
            await measure(report, "postgresql", pg, args.stores, args.calls)
    return 0
