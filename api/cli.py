"""The `omnishop` command line: serve, migrate, seed, staff-create, settlement-export, export-schema.

Every command reads DATABASE_URL and the other settings from the environment (and `.env`).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from api import (
    __version__,
    cli_jobs,  # noqa: F401  (registers the job commands on `app`)
)
from api.cli_app import app, console, migrate_database, one_line
from api.preflight import OperatorError, load_settings, open_database
from api.settings import Settings

DEMO_ENV = "OMNISHOP_DEMO"
# What `serve --demo` loads: small enough to start in a second, with members whose orders, points and
# coupons show the loop.
DEMO_PRODUCTS, DEMO_MEMBERS, DEMO_ORDERS = 60, 8, 40


def _show_version(value: bool) -> None:
    if value:
        print(f"omnishop {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Omnishop: the omnichannel commerce API."""


async def _seed(
    settings: Settings,
    products: int,
    seed: int,
    *,
    members: int = 0,
    orders: int = 0,
    copy: bool = True,
    quiet_if_exists: bool = False,
) -> None:
    from db.demo import DemoDataExists, seed_demo

    columns = (TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    async with open_database(settings.database_url) as engine:
        try:
            with Progress(*columns, console=console, transient=False) as progress:
                tasks: dict[str, TaskID] = {}

                def report(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = progress.add_task(stage, total=total)
                    progress.update(tasks[stage], completed=done, total=total)

                result = await seed_demo(
                    engine, products=products, seed=seed, members=members, orders=orders, copy=copy, progress=report
                )
        except DemoDataExists:
            if quiet_if_exists:
                return
            console.print("[yellow]The database already holds data; demo data was not added.")
            raise typer.Exit(1) from None
    rate = result.rows / result.seconds if result.seconds else 0
    console.print(f"[green]Seeded {result.rows:,} rows in {result.seconds:.2f} s ({rate:,.0f} rows/s).")


@app.command()
@one_line
def migrate() -> None:
    """Upgrade the database to the newest migration."""
    done = asyncio.run(migrate_database(load_settings()))
    if done.applied:
        plural = "migration" if done.applied == 1 else "migrations"
        console.print(f"[green]Migrated to {done.after} ({done.applied} {plural} applied).")
    else:
        console.print(f"[green]The database is up to date (at {done.after}).")


@app.command()
@one_line
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo data set.")] = False,
    products: Annotated[int, typer.Option(min=1, max=1_000_000, metavar="N", help="How many products.")] = 60,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Random seed: same seed, same data.")] = 1,
    members: Annotated[
        int,
        typer.Option(
            min=0, max=10_000_000, metavar="N", help="How many members (member<N>@example.com, password omnishop-demo)."
        ),
    ] = 0,
    orders: Annotated[
        int,
        typer.Option(
            min=0,
            max=100_000_000,
            metavar="N",
            help="How many past orders of those members (needs --members; stock levels are not changed).",
        ),
    ] = 0,
    copy: Annotated[
        bool,
        typer.Option("--copy/--no-copy", help="PostgreSQL: bulk-load with COPY (the default) or with batched INSERTs."),
    ] = True,
) -> None:
    """Fill an empty database with deterministic demo data."""
    if not demo:
        console.print("Nothing to do: pass --demo.")
        raise typer.Exit(2)
    if orders and not members:
        console.print("[red]--orders needs --members: demo orders belong to members.")
        raise typer.Exit(2)
    settings = load_settings()
    asyncio.run(migrate_database(settings))
    asyncio.run(_seed(settings, products, seed, members=members, orders=orders, copy=copy))


@app.command("staff-create")
@one_line
def staff_create(
    email: Annotated[str, typer.Option(metavar="EMAIL", help="Sign-in e-mail.")],
    password: Annotated[str, typer.Option(metavar="PASSWORD", help="At least 8 characters.")],
    role: Annotated[str, typer.Option(metavar="ROLE", help="admin, store_manager, cashier or fulfillment.")],
    name: Annotated[
        str | None, typer.Option(metavar="NAME", help="Display name (default: the e-mail's local part).")
    ] = None,
    location: Annotated[
        str | None,
        typer.Option(
            metavar="CODE",
            help="Code of the store (or warehouse) the user "
            "works at, e.g. SH01; store managers' and cashiers' stock rights are "
            "limited to it.",
        ),
    ] = None,
) -> None:
    """Create a staff user."""
    from domain.access.model import StaffRole

    try:
        staff_role = StaffRole(role)
    except ValueError:
        console.print(f"[red]Unknown role {role!r}; use one of: {', '.join(r.value for r in StaffRole)}.")
        raise typer.Exit(2) from None
    asyncio.run(_staff_create(load_settings(), email, password, staff_role, name or email.split("@")[0], location))


async def _staff_create(
    settings: Settings, email: str, password: str, role: object, name: str, location: str | None = None
) -> None:
    from api.adapters.passwords import Argon2Hasher
    from db.engine import create_session_factory
    from db.locations import location_id_by_code
    from db.uow import SqlUnitOfWork
    from domain.access.model import StaffRole
    from domain.accounts.services import create_staff
    from domain.errors import Code, DomainError, DomainErrors

    assert isinstance(role, StaffRole)
    await migrate_database(settings)
    hasher = Argon2Hasher(time_cost=settings.password_time_cost, memory_cost=settings.password_memory_kib)
    async with open_database(settings.database_url) as engine, create_session_factory(engine)() as session:
        try:
            uow = SqlUnitOfWork(session)
            async with uow.transaction():
                location_id = await location_id_by_code(session, location) if location is not None else None
                if location is not None and location_id is None:
                    raise DomainError(Code.NOT_FOUND, f"There is no location with the code {location!r}.", ["location"])
                staff_id = await create_staff(uow, hasher, email, name, role, password, location_id)
        except DomainError as e:
            for err in e.errors if isinstance(e, DomainErrors) else [e]:
                console.print(f"[red]{'.'.join(err.field or [])}: {err.message}")
            raise typer.Exit(1) from None
    where = f" at {location.strip().upper()}" if location is not None else ""
    console.print(f"[green]Created {role.value} {email}{where} (staff id {staff_id}).")


@app.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from schema import build_schema

    sys.stdout.write(build_schema().as_str() + "\n")


async def _reach(settings: Settings) -> None:
    """The database answers and is migrated (`serve` migrates only SQLite by itself)."""
    from db.migrations import pending

    async with open_database(settings.database_url) as engine:
        current, head = await pending(engine)
    if head is not None:
        raise OperatorError(
            f"The database is at migration {current or '(none)'} and this version needs {head}: "
            "run `omnishop migrate` first."
        )


@app.command()
@one_line
def serve(
    host: Annotated[str, typer.Option(metavar="HOST", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, metavar="N", help="Worker processes.")] = 1,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Load demo data into an empty database and allow a generated per-install secret key."
        ),
    ] = False,
) -> None:
    """Serve the API (GraphiQL at /graphql). Migrates the embedded SQLite database on start."""
    import uvicorn

    settings = load_settings()
    settings.resolved_secret_key(allow_generated=demo)
    # Refuse to start on a database that is not there, rather than report "startup complete" and fail.
    if settings.is_sqlite or demo:
        asyncio.run(migrate_database(settings))
    else:
        asyncio.run(_reach(settings))
    if demo:
        asyncio.run(_seed(settings, DEMO_PRODUCTS, 1, members=DEMO_MEMBERS, orders=DEMO_ORDERS, quiet_if_exists=True))
        os.environ[DEMO_ENV] = "1"
    console.print(f"GraphiQL: [bold]http://{host}:{port}/graphql")
    from api.metrics_port import metrics_port, shared_directory

    logging: dict[str, Any] = {}
    if settings.log_format == "json":
        from api.logs import log_config

        logging["log_config"] = log_config(settings)
    options: dict[str, Any] = dict(
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_keep_alive=settings.serve_keepalive_timeout,
        timeout_graceful_shutdown=settings.serve_graceful_timeout,
        **logging,
    )
    from api.workers import serve_workers, spreads_connections

    # The metrics directory is set before any worker starts (each chooses how to count on import).
    with _shared_cache_version(settings, workers), shared_directory(settings), metrics_port(settings, host):
        if workers > 1 and spreads_connections():  # a socket per worker: api/workers.py
            serve_workers(uvicorn.Config("api.app:app_from_env", **options))
        else:
            uvicorn.run("api.app:app_from_env", **options)


@contextmanager
def _shared_cache_version(settings: Settings, workers: int) -> Iterator[None]:
    """Several workers without Redis share the response cache's version through a file of their own
    for as long as they serve, so that a write in one invalidates what the others cached."""
    if workers == 1 or not settings.response_cache or settings.redis_url or settings.response_cache_version_file:
        yield
        return
    fd, path = tempfile.mkstemp(prefix="omnishop-cache-version-")
    os.close(fd)
    os.environ["RESPONSE_CACHE_VERSION_FILE"] = path
    try:
        yield
    finally:
        with suppress(OSError):
            os.remove(path)


if __name__ == "__main__":  # `python -m api.cli`, the same as the `omnishop` command
    app()
