"""The databases the benches run against: the reference data set, made once and reused.

Seeding 10,000 products takes seconds, so the bench's own PostgreSQL database
(`omnishop_bench_<products>`) is kept between runs and reseeded only when it holds another number
of products, was seeded before the demo's variants had attributes (searches look for colours), or
`--fresh` is given. A `DATABASE_URL` in the environment is used as it is (migrated,
and seeded only when empty; never dropped). `--sqlite` seeds a temporary file each run. Benches
that write (the flash sale) work on a throwaway copy, so the reference data stays untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from argon2 import PasswordHasher
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.harness import Report, say
from db.demo import seed_demo
from db.engine import create_engine, normalize_url
from db.migrations import upgrade
from db.models import StaffUser
from domain.access.model import StaffRole

ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REFERENCE_PRODUCTS = 10_000
STAFF_EMAIL, STAFF_PASSWORD = "bench-admin@example.com", "bench-admin-password"  # the bench admin's


@dataclass(frozen=True)
class Target:
    """A database URL and whether the bench owns it (may drop and reseed it)."""

    url: str
    owned: bool

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def backend(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def run_admin(server: str, sql: str) -> None:
    """Run CREATE/DROP DATABASE on the server of the URL `server` (they cannot run in a transaction)."""
    engine = create_engine(with_database(server, "postgres")).execution_options(isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(sa.text(sql))
    finally:
        await engine.dispose()


async def database_exists(name: str) -> bool:
    engine = create_engine(ADMIN_URL)
    try:
        async with engine.connect() as conn:
            return bool(await conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
    finally:
        await engine.dispose()


async def product_count(url: str) -> int:
    return (await counts(url))[0]


async def counts(url: str) -> tuple[int, int, int]:
    """Products, members and orders in the database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            found = (
                await conn.execute(
                    sa.text(
                        "SELECT (SELECT count(*) FROM products), (SELECT count(*) FROM members), "
                        "(SELECT count(*) FROM orders)"
                    )
                )
            ).one()
            return int(found[0]), int(found[1]), int(found[2])
    finally:
        await engine.dispose()


async def has_attributes(url: str) -> bool:
    """Whether the catalogue has variant attributes (a database seeded before the demo gave them has none)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return bool(await conn.scalar(sa.text("SELECT EXISTS (SELECT 1 FROM variant_attributes)")))
    finally:
        await engine.dispose()


def database_name(products: int, members: int = 0, orders: int = 0) -> str:
    """`omnishop_bench_10000`, or with members and orders `omnishop_bench_10000_2000m_10000o`."""
    return f"omnishop_bench_{products}" + (f"_{members}m_{orders}o" if members or orders else "")


async def seed(url: str, products: int, report: Report, *, members: int = 0, orders: int = 0) -> None:
    """Migrate and load the demo data set with a progress bar; report rows/s."""
    engine = create_engine(url)
    columns = (TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        await upgrade(engine)
        with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
            tasks: dict[str, TaskID] = {}

            def show(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            result = await seed_demo(engine, products=products, members=members, orders=orders, progress=show)
        if engine.dialect.name == "postgresql":
            # what autovacuum would do after a bulk load: statistics for the planner, and the visibility
            # map that lets index-only scans skip the table (without it the first runs read every row)
            async with engine.connect() as conn:
                await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(sa.text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    report.figure(
        "seed_rows_per_s",
        round(result.rows / result.seconds),
        rows=result.rows,
        seconds=round(result.seconds, 2),
        products=products,
        members=members,
        orders=orders,
    )


@asynccontextmanager
async def reference(
    products: int, *, sqlite: bool, fresh: bool, report: Report, members: int = 0, orders: int = 0
) -> AsyncIterator[Target]:
    """The reference data set with `products` products (and `members` with `orders`), migrated to the newest
    revision."""
    sizes = {"members": members, "orders": orders}
    if sqlite:
        with tempfile.TemporaryDirectory(prefix="omnishop-bench-") as tmp:
            target = Target(f"sqlite+aiosqlite:///{tmp}/bench.db", owned=True)
            report.context.update(backend=target.backend, products=products)
            await seed(target.url, products, report, **sizes)
            yield target
        return
    if os.environ.get("DATABASE_URL"):
        target = Target(normalize_url(os.environ["DATABASE_URL"]), owned=False)
        report.context.update(backend=target.backend, products=products)
        engine = create_engine(target.url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        if not await product_count(target.url):
            await seed(target.url, products, report, **sizes)
        yield target
        return
    name = database_name(products, members, orders)
    target = Target(with_database(ADMIN_URL, name), owned=True)
    report.context.update(backend=target.backend, products=products)
    exists = await database_exists(name)
    if exists and not fresh:
        engine = create_engine(target.url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        current = not products or await has_attributes(target.url)
        if current and await counts(target.url) == (products, members, orders):
            say(f"reusing {name} ({products:,} products, {members:,} members, {orders:,} orders; --fresh reseeds it)")
            yield target
            return
    if exists:
        await run_admin(ADMIN_URL, f'DROP DATABASE "{name}" WITH (FORCE)')
    await run_admin(ADMIN_URL, f'CREATE DATABASE "{name}"')
    say(f"seeding {name} with {products:,} products, {members:,} members, {orders:,} orders")
    await seed(target.url, products, report, **sizes)
    yield target


@asynccontextmanager
async def scratch_copy(source: Target, *, keep: bool = False) -> AsyncIterator[Target]:
    """A throwaway copy of `source` for a bench that writes (PostgreSQL: `CREATE DATABASE ... TEMPLATE`)."""
    if source.is_sqlite:
        path = Path(make_url(source.url).database or "")
        copy = path.with_name(f"scratch-{uuid.uuid4().hex[:8]}.db")
        shutil.copyfile(path, copy)
        try:
            yield Target(f"sqlite+aiosqlite:///{copy}", owned=True)
        finally:
            if not keep:
                copy.unlink(missing_ok=True)
        return
    source_name = make_url(source.url).database
    name = f"omnishop_bench_scratch_{uuid.uuid4().hex[:8]}"
    await run_admin(source.url, f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"')
    try:
        yield Target(with_database(source.url, name), owned=True)
    finally:
        if keep:
            say(f"kept {name}")
        else:
            await run_admin(source.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def ensure_bench_admin(conn: AsyncConnection) -> None:
    """The bench admin (`STAFF_EMAIL`, `STAFF_PASSWORD`), inserted if missing, for benches that sign in
    as staff through the graph (`staffTokenCreate`)."""
    if await conn.scalar(sa.select(StaffUser.id).where(StaffUser.email == STAFF_EMAIL)):
        return
    cheap = PasswordHasher(time_cost=1, memory_cost=8192)  # verified with the costs it was made with
    await conn.execute(
        sa.insert(StaffUser).values(
            email=STAFF_EMAIL,
            name="Bench admin",
            password_hash=cheap.hash(STAFF_PASSWORD),
            role=StaffRole.ADMIN,
            is_active=True,
        )
    )
