"""`reports --during-flash-sale`: the lag from a paid order to its appearance in the figures while the
flash sale (bench/flash_sale.py) runs on the same server. Bar: p95 <= 2 s.

On a throwaway copy of the reports' data set (its rollups up to date), served by `--sale-workers`
processes with the sandbox gateway on: `--paid` guest orders of a third variant are placed before
the race (unpaid: they count nothing yet). Then, at once, wrk sends the flash sale's checkouts
(`--buyers` for `--units` units, `--sale-concurrency` at a time), the bench admin pays the placed
orders one after another, one every `--pay-every` seconds, until the sale is over, and a sampler asks
`salesReport` for today's totals over and over (one request in flight). The k-th payment is counted
when today's `orders` first reach the count before the sale plus k (payments commit in turn, and
the flash sale's orders are never paid, so nothing else moves that figure); its lag runs from the
payment's answer to the answer of the first sample that counts it. The sampler's own latency is
reported beside it (a lag is known to within one sample). The machine's load average is reported
too: the figure is only comparable between runs on equally idle machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

from bench import flash_sale, server
from bench.database import STAFF_EMAIL, STAFF_PASSWORD, reference, scratch_copy
from bench.graph import CHECKOUT, STAFF_SIGN_IN, http_client, post
from bench.harness import Report, percentile, say
from db.engine import create_engine
from domain.clock import system_clock
from domain.reports.model import business_date

TODAY = """query Today($filter: ReportFilter!) { salesReport(filter: $filter) { totals { orders } } }"""
PAY = """mutation($id: ID!, $amount: Decimal!) {
  orderPay(id: $id, input: {method: SANDBOX, amount: $amount}) { order { status } userErrors { code message } } }"""
WAIT = 30.0  # seconds to wait after the sale for the last payments to be counted


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--buyers", type=int, default=10_000, help="flash sale buyers")
    parser.add_argument("--units", type=int, default=1_000, help="flash sale units")
    parser.add_argument("--sale-concurrency", type=int, default=64, help="flash sale checkouts in flight")
    parser.add_argument("--sale-workers", type=int, default=2, help="server workers during the flash sale")
    parser.add_argument("--paid", type=int, default=400, help="orders paid during the sale (at most)")
    parser.add_argument("--pay-every", type=float, default=0.2, help="seconds between payments")
    parser.add_argument("--keep", action="store_true", help="keep the flash sale's scratch database")


async def three_variants(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [int(v) for v in await conn.scalars(sa.text(flash_sale.SELLABLE.replace("LIMIT 2", "LIMIT 3")))]
    finally:
        await engine.dispose()


async def place(client: httpx.AsyncClient, carts: list[str]) -> list[tuple[str, str]]:
    """Check the carts out as guests, one after another: the orders' ids and totals (unpaid)."""
    placed = []
    for i, cart in enumerate(carts):
        answer = (await post(client, CHECKOUT, {"id": cart, "key": f"lag-{i}"}))["checkoutComplete"]
        if answer["order"] is None:
            raise RuntimeError(f"a lag order was refused: {answer['userErrors']}")
        placed.append((answer["order"]["id"], answer["order"]["total"]["amount"]))
    return placed


class Lag:
    """The payments' answers and the samples of today's order count, on one clock."""

    def __init__(self, client: httpx.AsyncClient, today: dict[str, str]) -> None:
        self.client = client
        self.today = today
        self.paid: list[float] = []  # when each payment's answer arrived
        self.samples: list[tuple[float, int]] = []  # (answer time, orders today)
        self.sample_latency: list[float] = []
        self.errors: list[str] = []

    async def orders_today(self) -> int:
        data = await post(self.client, TODAY, {"filter": self.today})
        return int(data["salesReport"]["totals"]["orders"])

    async def pay(self, orders: list[tuple[str, str]], every: float, sale: asyncio.Task[Any]) -> None:
        next_at = time.perf_counter()
        for order_id, total in orders:
            if sale.done():
                return
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            next_at += every
            answer = (await post(self.client, PAY, {"id": order_id, "amount": total}))["orderPay"]
            if answer["userErrors"]:
                self.errors.append(str(answer["userErrors"]))
                return
            self.paid.append(time.perf_counter())

    async def sample(self, base: int, payer: asyncio.Task[Any]) -> None:
        """Ask until the payer is done and every payment is counted (or `WAIT` seconds after that)."""
        deadline = None
        while True:
            sent = time.perf_counter()
            orders = await self.orders_today()
            answered = time.perf_counter()
            self.sample_latency.append(answered - sent)
            self.samples.append((answered, orders))
            if payer.done():
                deadline = deadline or answered + WAIT
                if orders >= base + len(self.paid) or answered > deadline:
                    return

    def lags(self, base: int) -> tuple[list[float], int]:
        """Each counted payment's lag (seconds), and how many were never counted."""
        lags, missing = [], 0
        for k, paid_at in enumerate(self.paid, start=1):
            seen = next((at for at, orders in self.samples if orders >= base + k), None)
            if seen is None:
                missing += 1
            else:
                lags.append(seen - paid_at)
        return lags, missing


async def measure(url: str, args: argparse.Namespace, report: Report, zone: ZoneInfo) -> int:
    hot, other, paid_variant = await three_variants(url)
    await flash_sale.stock_only_at(
        url, {hot: args.units, other: 10 + flash_sale.warmups(args), paid_variant: args.paid + 10}
    )
    template = await flash_sale.statements_per_step(url, other, Report("flash-sale", dict(report.context)))
    warmup = await flash_sale.copy_cart(url, template, other, flash_sale.warmups(args))
    carts = await flash_sale.copy_cart(url, template, hot, args.buyers)
    to_pay = await flash_sale.copy_cart(url, template, paid_variant, args.paid)
    earlier = (await flash_sale.outcome_of(url, hot))["orders"]  # the data set's own orders of it
    sale_args = argparse.Namespace(**{**vars(args), "concurrency": args.sale_concurrency})
    day = business_date(system_clock(), zone)
    today = {"from": str(day - timedelta(days=1)), "to": str(day + timedelta(days=1))}
    env = server.server_env(url, PAYMENTS_SANDBOX="true")
    async with (
        server.running(url, workers=args.sale_workers, env=env) as api,
        http_client(api.url, 4) as client,
    ):
        await flash_sale.checkouts(api.url, flash_sale.checkout_bodies(warmup, "warmup"), sale_args)
        orders = await place(client, to_pay)
        signed_in = await post(client, STAFF_SIGN_IN, {"input": {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}})
        client.headers["Authorization"] = f"Bearer {signed_in['staffTokenCreate']['accessToken']}"
        lag = Lag(client, today)
        base = await lag.orders_today()
        say(
            f"reports: lag under a flash sale of {args.buyers} buyers for {args.units} units "
            f"({args.sale_concurrency} at a time, {args.sale_workers} workers), paying one order every "
            f"{args.pay_every} s; load average {os.getloadavg()[0]:.2f}"
        )
        load_before = os.getloadavg()[0]
        started = time.time()
        sale = asyncio.create_task(flash_sale.checkouts(api.url, flash_sale.checkout_bodies(carts, "flash"), sale_args))
        payer = asyncio.create_task(lag.pay(orders, args.pay_every, sale))
        await asyncio.gather(lag.sample(base, payer), payer)
        load, outcomes = await sale
        load_after = os.getloadavg()[0]
    final = await flash_sale.outcome_of(url, hot)
    final["orders"] -= earlier
    sold_out = await flash_sale.selling_time(url, hot, started)
    lags, missing = lag.lags(base)
    summarise(report, lags, missing, lag, load_before, load_after)
    load.report(report, prefix="sale_checkout_")
    report.figure("sale_orders_per_s", round(final["orders"] / sold_out, 1), sold_out_s=round(sold_out, 2))
    failed = flash_sale.verdict(outcomes, final, args.units)
    for error in lag.errors:
        say(f"LAG: a payment was refused: {error[:300]}")
    return failed or int(bool(missing or lag.errors or not lags))


def summarise(report: Report, lags: list[float], missing: int, lag: Lag, before: float, after: float) -> None:
    ordered = sorted(lags)
    ms = {q: round(percentile(ordered, q) * 1000, 1) for q in (50, 95, 99)}
    samples = sorted(lag.sample_latency)
    extra = {"paid": len(lag.paid), "missing": missing, "load_average": [round(before, 2), round(after, 2)]}
    for q, value in ms.items():
        report.figure(f"lag_p{q}_ms", value, **extra)
    report.figure("lag_max_ms", round(ordered[-1] * 1000, 1) if ordered else None, **extra)
    report.figure("lag_sample_p50_ms", round(percentile(samples, 50) * 1000, 1), samples=len(samples))
    verdict = "meets" if ordered and ms[95] <= 2000 and not missing else "MISSES"
    say(
        f"LAG SUMMARY: {len(lag.paid)} orders paid during the flash sale, {missing} never counted; lag p50 "
        f"{ms[50]} ms, p95 {ms[95]} ms, max {ordered[-1] * 1000 if ordered else float('nan'):.0f} ms "
        f"({verdict} the 2 s bar); a sample took {percentile(samples, 50) * 1000:.1f} ms (p50); load average "
        f"{before:.2f} before, {after:.2f} after, on {os.cpu_count()} CPUs"
    )


async def run(args: argparse.Namespace, report: Report, zone: ZoneInfo) -> int:
    """The lag on a throwaway copy of the reports' data set (`zone`: the server's business time zone)."""
    async with (
        reference(
            args.products, members=args.members, orders=args.orders, sqlite=args.sqlite, fresh=False, report=report
        ) as ref,
        scratch_copy(ref, keep=args.keep) as db,
    ):
        return await measure(db.url, args, report, zone)
