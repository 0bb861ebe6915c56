"""The `omnishop` command line: serve, migrate, seed, staff-create, export-schema.

Every command reads DATABASE_URL and the other settings from the environment (and `.env`).
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    pass

app = typer.Typer(help="Omnishop: the omnichannel commerce API.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)
DEMO_ENV = "OMNISHOP_DEMO"


async def _migrate(settings: Settings) -> None:
    from db.engine import create_engine
    from db.migrations import upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _seed(settings: Settings, products: int, seed: int, *, members: int = 0, orders: int = 0, copy: bool = True,
                quiet_if_exists: bool = False) -> None:
    from db.demo import DemoDataExists, seed_demo
    from db.engine import create_engine

    engine = create_engine(settings.database_url)
    columns = (TextColumn("{task.description:<11}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            tasks: dict[str, int] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done, total=total)

            result = await seed_demo(engine, products=products, seed=seed, members=members, orders=orders, copy=copy,
                                     progress=report)
        rate = result.rows / result.seconds if result.seconds else 0
        console.print(f"[green]Seeded {result.rows:,} rows in {result.seconds:.2f} s ({rate:,.0f} rows/s).")
    except DemoDataExists:
        if not quiet_if_exists:
            console.print("[yellow]The database already holds data; demo data was not added.")
            raise typer.Exit(1) from None
    finally:
        await engine.dispose()


@app.command()
def migrate() -> None:
    """Upgrade the database to the newest migration."""
    asyncio.run(_migrate(Settings()))
    console.print("[green]Database is up to date.")


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo data set.")] = False,
    products: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many products.")] = 60,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same data.")] = 1,
    members: Annotated[int, typer.Option(min=0, max=10_000_000, help="How many members (member<N>@example.com, "
                                         "password omnishop-demo).")] = 0,
    orders: Annotated[int, typer.Option(min=0, max=100_000_000, help="How many past orders of those members "
                                        "(needs --members; stock levels are not changed).")] = 0,
    copy: Annotated[bool, typer.Option("--copy/--no-copy", help="PostgreSQL: bulk-load with COPY (the default) "
                                       "or with batched INSERTs.")] = True,
) -> None:
    """Fill an empty database with deterministic demo data."""
    if not demo:
        console.print("Nothing to do: pass --demo.")
        raise typer.Exit(2)
    if orders and not members:
        console.print("[red]--orders needs --members: demo orders belong to members.")
        raise typer.Exit(2)
    settings = Settings()
    asyncio.run(_migrate(settings))
    asyncio.run(_seed(settings, products, seed, members=members, orders=orders, copy=copy))


@app.command("staff-create")
def staff_create(
    email: Annotated[str, typer.Option(help="Sign-in e-mail.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.")],
    role: Annotated[str, typer.Option(help="admin, store_manager, cashier or fulfillment.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the e-mail's local part).")] = None,
    location: Annotated[str | None, typer.Option(help="Code of the store (or warehouse) the user works at, "
                                                 "e.g. SH01; store managers' and cashiers' stock rights are "
                                                 "limited to it.")] = None,
) -> None:
    """Create a staff user."""
    from domain.access.model import StaffRole

    try:
        staff_role = StaffRole(role)
    except ValueError:
        console.print(f"[red]Unknown role {role!r}; use one of: {', '.join(r.value for r in StaffRole)}.")
        raise typer.Exit(2) from None
    asyncio.run(_staff_create(Settings(), email, password, staff_role, name or email.split("@")[0], location))


async def _staff_create(settings: Settings, email: str, password: str, role: object, name: str,
                        location: str | None = None) -> None:
    from db.engine import create_engine, create_session_factory
    from db.locations import location_id_by_code
    from db.uow import SqlUnitOfWork
    from domain.access.model import StaffRole
    from domain.accounts.passwords import PasswordHasher
    from domain.accounts.services import create_staff
    from domain.errors import DomainError, DomainErrors

    assert isinstance(role, StaffRole)
    await _migrate(settings)
    engine = create_engine(settings.database_url)
    hasher = PasswordHasher(time_cost=settings.password_time_cost, memory_cost=settings.password_memory_kib)
    try:
        async with create_session_factory(engine)() as session:
            uow = SqlUnitOfWork(session)
            async with uow.transaction():
                location_id = await location_id_by_code(session, location) if location is not None else None
                if location is not None and location_id is None:
                    raise DomainError("NOT_FOUND", f"There is no location with the code {location!r}.",
                                      ["location"])
                staff_id = await create_staff(uow, hasher, email, name, role, password, location_id)
        where = f" at {location.strip().upper()}" if location is not None else ""
        console.print(f"[green]Created {role.value} {email}{where} (staff id {staff_id}).")
    except DomainError as e:
        for err in (e.errors if isinstance(e, DomainErrors) else [e]):
            console.print(f"[red]{'.'.join(err.field or [])}: {err.message}")
        raise typer.Exit(1) from None
    finally:
        await engine.dispose()


@app.command("expire-points")
def expire_points() -> None:
    """Write off points past their validity (run daily, e.g. from cron)."""
    settings = Settings()
    if settings.is_sqlite:
        asyncio.run(_migrate(settings))
    points, members = asyncio.run(_expire_points(settings))
    console.print(f"[green]Expired {points:,} points of {members:,} members.")


async def _expire_points(settings: Settings) -> tuple[int, int]:
    from api.jobs import expire_all_points
    from db.engine import create_engine

    engine = create_engine(settings.database_url)
    try:
        return await expire_all_points(engine)
    finally:
        await engine.dispose()


@app.command("expire-orders")
def expire_orders() -> None:
    """Cancel unpaid orders past their payment deadline and release their stock (`serve` also does it)."""
    settings = Settings()
    if settings.is_sqlite:
        asyncio.run(_migrate(settings))
    console.print(f"[green]Expired {asyncio.run(_expire_orders(settings)):,} unpaid orders.")


async def _expire_orders(settings: Settings) -> int:
    from api.jobs import expire_unpaid_orders
    from db.engine import create_engine
    from domain.members.points_services import PointsPolicy

    engine = create_engine(settings.database_url)
    try:
        return await expire_unpaid_orders(engine, PointsPolicy(settings.points_validity_months))
    finally:
        await engine.dispose()


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from schema import build_schema

    sys.stdout.write(build_schema().as_str() + "\n")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data into an empty database and allow a "
                                       "generated per-install secret key.")] = False,
) -> None:
    """Serve the API (GraphiQL at /graphql). Migrates the embedded SQLite database on start."""
    import uvicorn

    settings = Settings()
    try:
        settings.resolved_secret_key(allow_generated=demo)
    except ConfigurationError as e:
        console.print(f"[red]{e}")
        raise typer.Exit(2) from None
    if settings.is_sqlite or demo:
        asyncio.run(_migrate(settings))
    if demo:
        asyncio.run(_seed(settings, 60, 1, quiet_if_exists=True))
        os.environ[DEMO_ENV] = "1"
    if workers > 1 and settings.response_cache and settings.redis_url is None:
        # a worker's cache would not hear of another worker's writes
        os.environ["RESPONSE_CACHE"] = "false"
        console.print("Response cache off: several workers share it only through Redis (set REDIS_URL).")
    console.print(f"GraphiQL: [bold]http://{host}:{port}/graphql")
    uvicorn.run("api.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=settings.log_level.lower(), access_log=False)
