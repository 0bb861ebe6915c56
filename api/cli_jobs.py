"""The operator's periodic and maintenance commands: writing off points and unpaid orders (`serve`
also does both), delivering webhooks in a process of its own and forgetting old ones, rebuilding the
report rollups, and exporting a settlement statement for finance."""

from __future__ import annotations

import asyncio
import sys
from contextlib import suppress
from typing import Annotated

import typer

from api.cli_app import app, console, job_settings, one_line
from api.preflight import OperatorError, open_database
from api.settings import Settings


@app.command("expire-points")
@one_line
def expire_points() -> None:
    """Write off points past their validity (run daily, e.g. from cron)."""
    settings = job_settings()
    points, members = asyncio.run(_expire_points(settings))
    console.print(f"[green]Expired {points:,} points of {members:,} members.")


async def _expire_points(settings: Settings) -> tuple[int, int]:
    from api.jobs import expire_all_points

    async with open_database(settings.database_url) as engine:
        return await expire_all_points(engine)


@app.command("expire-orders")
@one_line
def expire_orders() -> None:
    """Cancel unpaid orders past their payment deadline and release their stock (`serve` also does it)."""
    settings = job_settings()
    console.print(f"[green]Expired {asyncio.run(_expire_orders(settings)):,} unpaid orders.")


async def _expire_orders(settings: Settings) -> int:
    from api.jobs import expire_unpaid_orders
    from domain.members.points_services import PointsPolicy

    async with open_database(settings.database_url) as engine:
        return await expire_unpaid_orders(engine, PointsPolicy(settings.points_validity_months))


@app.command("webhooks-deliver")
@one_line
def webhooks_deliver(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit.")] = False,
) -> None:
    """Deliver webhooks in a process of its own (`serve` delivers too; several can run at once)."""
    settings = job_settings()
    with suppress(KeyboardInterrupt):
        done = asyncio.run(_webhooks_deliver(settings, once))
        console.print(f"[green]Made {done:,} webhook delivery attempts.")


async def _webhooks_deliver(settings: Settings, once: bool) -> int:
    from api.webhooks.worker import DeliveryWorker
    from db.engine import create_session_factory

    async with open_database(settings.database_url) as engine:
        worker = DeliveryWorker(
            create_session_factory(engine),
            interval=settings.events_interval,
            allow_private=settings.webhook_allow_private_networks,
        )
        if once:
            return await worker.deliver_due()
        await worker.run()
        return 0


@app.command("webhooks-purge")
@one_line
def webhooks_purge() -> None:
    """Forget finished webhook deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS (`serve` does it hourly)."""
    settings = job_settings()
    if not settings.webhook_delivery_retention_days:
        raise OperatorError("WEBHOOK_DELIVERY_RETENTION_DAYS is 0: webhook deliveries are kept for ever.")
    console.print(f"[green]Purged {asyncio.run(_webhooks_purge(settings)):,} webhook deliveries.")


async def _webhooks_purge(settings: Settings) -> int:
    from datetime import timedelta

    from api.jobs import DeliveryPurge

    async with open_database(settings.database_url) as engine:
        return await DeliveryPurge(engine, timedelta(days=settings.webhook_delivery_retention_days)).purge()


@app.command("reports-rebuild")
@one_line
def reports_rebuild() -> None:
    """Rebuild the report rollups from every order event, in one transaction (same figures as the feed)."""
    settings = job_settings()
    console.print(f"[green]Counted {asyncio.run(_reports_rebuild(settings)):,} order events into the reports.")


async def _reports_rebuild(settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from db import report_feed
    from db.engine import create_session_factory, write_options
    from domain.clock import system_clock

    async with open_database(settings.database_url) as engine, create_session_factory(engine)() as session:
        await session.connection(execution_options=write_options(session))
        read = await report_feed.rebuild(session, ZoneInfo(settings.business_timezone), system_clock())
        await session.commit()
        return read


@app.command("settlement-export")
@one_line
def settlement_export(
    statement: Annotated[str, typer.Option(metavar="ID", help="The statement's id (as the graph shows it).")],
) -> None:
    """Write a settlement statement's entries as CSV to standard output (for finance)."""
    from schema.relay import decode_id

    statement_id = decode_id(statement, "SettlementStatement")
    if statement_id is None:
        raise OperatorError(f"'{statement}' is not a settlement statement's id.")
    settings = job_settings()
    sys.stdout.write(asyncio.run(_settlement_export(settings, statement_id)))


async def _settlement_export(settings: Settings, statement_id: int) -> str:
    from api.settlement_export import statement_csv

    async with open_database(settings.database_url) as engine:
        return await statement_csv(engine, statement_id)
