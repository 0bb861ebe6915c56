"""`reports`: the data centre at a million orders. A `--days` (90) `salesReport` grouped by DAY and
LOCATION and `topProducts` by NET and by UNITS over the same days, as the bench admin through the
API at concurrency 1 after a warm-up: p50, p95 and SQL statements per request (bars: p95 <= 50 ms).

The data set is `scale`'s large one (100,000 products, 200,000 members, 1,000,000 orders; seeded
once and kept as `omnishop_bench_<p>_<m>m_<o>o`). The demo's orders carry no rollups: when the
feed's watermark is behind the last order event (a fresh seed) or `--rebuild` is given, the bench
rebuilds them as `omnishop reports-rebuild` does (one transaction) and reports how long it took.
The days end on the last business day with a sale.

`--during-flash-sale` then measures the lag from a paid order to its appearance in the figures while
a flash sale runs (bench/report_lag.py).
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench import report_lag, server
from bench.database import STAFF_EMAIL, STAFF_PASSWORD, ensure_bench_admin, reference
from bench.graph import STAFF_SIGN_IN, http_client, measure, post
from bench.harness import Report, say
from bench.statements import probe
from db import report_feed
from db.engine import create_engine, create_session_factory, write_options
from db.models import OrderEvent, ReportWatermark
from db.report_feed import ROLLUPS
from domain.clock import system_clock
from domain.orders.records import OrderEventType
from domain.reports.model import business_date

ZONE = ZoneInfo("Asia/Shanghai")  # the server's BUSINESS_TIMEZONE (its default)
FIGURES = "orders units gross { amount } discounts { amount } returns { amount } net { amount }"
SALES = f"""query Sales($filter: ReportFilter!) {{
  salesReport(filter: $filter, groupBy: [DAY, LOCATION]) {{
    totals {{ {FIGURES} averageOrderValue {{ amount }} }}
    rows {{ date location {{ id name }} figures {{ {FIGURES} }} }} }} }}"""
CREDENTIALS = {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}
TOP = """query Top($filter: ReportFilter!, $by: TopProductsBy!) {
  topProducts(filter: $filter, by: $by, first: 10) { product { id name } units net { amount currency } } }"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(concurrency=1, products=100_000, duration=10.0)
    parser.add_argument("--members", type=int, default=200_000, help="members in the data set")
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in the data set")
    parser.add_argument("--days", type=int, default=90, help="business days the reports cover")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the rollups (timed) even when up to date")
    parser.add_argument(
        "--during-flash-sale", action="store_true", help="also measure the feed's lag under a flash sale"
    )
    report_lag.add_arguments(parser)


async def rollups_behind(url: str) -> bool:
    """Whether the feed's watermark is short of the last order event (or was never set)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            last = await conn.scalar(sa.select(sa.func.max(OrderEvent.id))) or 0
            mark = await conn.scalar(
                sa.select(ReportWatermark.last_event_id).where(ReportWatermark.name == report_feed.SALES)
            )
    finally:
        await engine.dispose()
    return mark is None or mark < last


async def rebuild(url: str, report: Report) -> None:
    """The rollups rebuilt from every order event in one transaction (`omnishop reports-rebuild`), then
    analysed (what autovacuum would do after it) so that the planner knows their size."""
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        async with create_session_factory(engine)() as session:
            await session.connection(execution_options=write_options(session))
            read = await report_feed.rebuild(session, ZONE, system_clock())
            await session.commit()
        seconds = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            async with engine.connect() as conn:
                auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                for table in ROLLUPS:
                    await auto.execute(sa.text(f"VACUUM ANALYZE {table.__tablename__}"))
        async with engine.connect() as conn:
            rows = {t.__tablename__: await conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in ROLLUPS}
    finally:
        await engine.dispose()
    say(f"reports: rebuilt the rollups from {read:,} order events in {seconds:.1f} s: {rows}")
    report.figure("rebuild_s", round(seconds, 1), events=read, events_per_s=round(read / seconds), rows=rows)


async def last_sale_day(url: str) -> date:
    """The last business day with a sale; the bench admin made if missing."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            paid = OrderEvent.type == OrderEventType.PAID
            last = await conn.scalar(sa.select(sa.func.max(OrderEvent.created_at)).where(paid))
            await ensure_bench_admin(conn)
    finally:
        await engine.dispose()
    if last is None:
        raise RuntimeError("the data set has no paid orders: seed it with --members and --orders")
    return business_date(last, ZONE)


def cases(period: dict[str, str]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "sales_by_day_and_location": (SALES, {"filter": period}),
        "top_products_by_net": (TOP, {"filter": period, "by": "NET"}),
        "top_products_by_units": (TOP, {"filter": period, "by": "UNITS"}),
    }


async def statements(url: str, query: str, variables: dict[str, Any]) -> tuple[int, int]:
    """SQL statements and fields graphql-core resolved itself in one request, counted in-process
    (bench/statements.py) after one that fills caches."""
    async with probe(url) as counter:
        signed_in = await counter.post(STAFF_SIGN_IN, {"input": CREDENTIALS})
        counter.client.headers["Authorization"] = f"Bearer {signed_in['staffTokenCreate']['accessToken']}"
        await counter.post(query, variables)
        counter.take()
        await counter.post(query, variables)
        fields = counter.fields
        return counter.take(), fields


async def run(args: argparse.Namespace, report: Report) -> int:
    errors = 0
    async with reference(
        args.products, members=args.members, orders=args.orders, sqlite=args.sqlite, fresh=args.fresh, report=report
    ) as db:
        if args.rebuild or await rollups_behind(db.url):
            await rebuild(db.url, report)
        end = await last_sale_day(db.url)
        period = {"from": str(end - timedelta(days=args.days - 1)), "to": str(end)}
        report.context.update(members=args.members, orders=args.orders, days=args.days, **period)
        async with (
            server.running(db.url, workers=args.workers) as api,
            http_client(api.url, args.concurrency) as client,
        ):
            token = (await post(client, STAFF_SIGN_IN, {"input": CREDENTIALS}))["staffTokenCreate"]["accessToken"]
            client.headers["Authorization"] = f"Bearer {token}"
            for name, (query, variables) in cases(period).items():
                say(f"reports: {name} over {period['from']}..{period['to']}, concurrency {args.concurrency}")
                result = await measure(client, api.url, query, [variables], args)
                errors += result.errors
                if result.first_error:
                    say(f"{name}: first error: {result.first_error[:500]}")
                for q in (50, 95):
                    report.figure(f"p{q}_ms", round(result.quantile(q) * 1000, 2), case=name)
                report.figure("requests", result.requests, case=name, errors=result.errors)
        for name, (query, variables) in cases(period).items():
            count, fields = await statements(db.url, query, variables)
            report.figure("statements_per_request", count, case=name)
            report.figure("graphql_core_fields_per_request", fields, case=name)
    if args.during_flash_sale:
        errors += await report_lag.run(args, report, ZONE)
    return 1 if errors else 0
