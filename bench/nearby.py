"""Benchmark `nearbyStores` through the ASGI app, as a client calls it (run by hand, not in CI).

    .venv/bin/python bench/nearby.py [--stores 5000] [--calls 200] [--postgres URL | --no-postgres]

Builds a fresh database with STORES stores scattered over a 60 km disc around Shanghai, every
one selling into the default channel and about half of them stocking the one benchmarked
variant, then times CALLS requests per case from random points in the city through httpx's
ASGI transport (the whole stack: parsing, validation, resolvers, SQL, JSON). SQLite always (a
temporary file); PostgreSQL too when it answers (a throwaway database on the server, dropped
after). Prints one JSON line per figure: {"backend", "case", "figure", "value", "unit", ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app
from api.settings import Settings
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
PG_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
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


def emit(**fields: Any) -> None:
    sys.stdout.write(orjson.dumps(fields).decode() + "\n")
    sys.stdout.flush()


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
        channel = await conn.scalar(sa.insert(Channel).values(
            slug="online", name="Online", currency="CNY", kind=ChannelKind.APP, ownership=ChannelOwnership.DIRECT,
            is_default=True, is_active=True).returning(Channel.id))
        product = await conn.scalar(sa.insert(Product).values(name="Bench Tee", slug="bench-tee")
                                    .returning(Product.id))
        variant = await conn.scalar(sa.insert(ProductVariant).values(product_id=product, sku="BENCH-1", name="M")
                                    .returning(ProductVariant.id))
        rows = []
        for i in range(stores):
            lat, lon = scatter(rng, SPREAD_KM)
            rows.append({"id": i + 1, "code": f"B{i + 1:05d}", "name": f"Bench store {i + 1}",
                         "type": LocationType.STORE, "latitude": lat, "longitude": lon, "is_pickup_point": True,
                         "ships_to_home": True, "priority": 100, "is_active": True})
        await conn.execute(sa.insert(Location), rows)
        await conn.execute(sa.insert(ChannelLocation), [{"channel_id": channel, "location_id": r["id"]} for r in rows])
        await conn.execute(sa.insert(StockLevel), [
            {"variant_id": variant, "location_id": r["id"], "on_hand": rng.randint(1, 30),
             "reserved": 0 if rng.random() < 0.7 else 1} for r in rows if rng.random() < 0.5])
        if conn.dialect.name == "postgresql":
            await conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('locations', 'id'), "
                                       "(SELECT MAX(id) FROM locations))"))
    if engine.dialect.name == "postgresql":  # the statistics autovacuum would gather after a bulk load;
        async with engine.connect() as conn:  # SQLite is left without, as an embedded install runs
            await conn.execute(sa.text("ANALYZE"))
            await conn.commit()
    return int(variant)


async def measure(backend: str, engine: AsyncEngine, stores: int, calls: int) -> None:
    started = time.perf_counter()
    variant = to_global_id("ProductVariant", await fill(engine, stores))
    emit(backend=backend, case="setup", figure="seconds", value=round(time.perf_counter() - started, 2),
         unit="s", stores=stores)
    settings = Settings(database_url="sqlite://", secret_key="bench-secret-key-0123456789abcdefghijklmnop",
                        _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, engine=engine)
    rng = random.Random(7)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for case, args in CASES.items():
                variables = {"radius": args.get("radius"), "first": args.get("first"),
                             "variant": variant if args.get("variant") else None, "inStock": args.get("inStock")}
                timings, returned = [], []
                for i in range(calls + 10):
                    lat, lon = scatter(rng, 30.0)
                    t0 = time.perf_counter()
                    request = ({"query": BASELINE} if args.get("baseline") else
                               {"query": QUERY, "variables": {**variables, "lat": lat, "lon": lon}})
                    response = await http.post("/graphql", json=request)
                    elapsed = (time.perf_counter() - t0) * 1000
                    body = response.json()
                    assert "errors" not in body, body
                    if i >= 10:  # the first few warm the caches and the pool
                        timings.append(elapsed)
                        returned.append(len(next(iter(body["data"].values()))))
                timings.sort()
                extra = {"calls": calls, "stores": stores, "avg_returned": round(statistics.mean(returned), 1)}
                emit(backend=backend, case=case, figure="p50", value=round(timings[len(timings) // 2], 2),
                     unit="ms", **extra)
                emit(backend=backend, case=case, figure="p95", value=round(timings[int(len(timings) * 0.95) - 1], 2),
                     unit="ms", **extra)


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
async def postgres_engine(admin_url: str) -> AsyncIterator[AsyncEngine | None]:
    admin = create_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 3)
    except Exception as e:  # not reachable: the PostgreSQL figures are skipped
        await admin.dispose()
        emit(backend="postgres", case="skipped", figure="reason", value=type(e).__name__, unit="")
        yield None
        return
    name = f"omnishop_bench_{uuid.uuid4().hex[:8]}"
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--postgres", default=PG_ADMIN_URL, help="a server database to create the bench one from")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    async with sqlite_engine() as engine:
        await measure("sqlite", engine, args.stores, args.calls)
    if not args.no_postgres:
        async with postgres_engine(args.postgres) as pg:
            if pg is not None:
                await measure("postgres", pg, args.stores, args.calls)


if __name__ == "__main__":
    asyncio.run(main())
