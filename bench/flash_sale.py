"""`flash-sale`: 1,000 guest buyers, 64 at a time, race through the whole flow (cartCreate with the
line, cartFulfillmentSet DELIVERY to an address, checkoutComplete with an idempotency key) for 100
units of one variant held in one warehouse. Exits 1 if it does not sell exactly the units, if
`reserved != onHand` at the end, or if any refusal is other than INSUFFICIENT_STOCK.

Buyers are guests: the graph lets anonymous clients create carts and check out, and registering
1,000 members would measure argon2 rather than the sale. Runs on a throwaway copy of the reference
database; `--workers 2` serves it from two processes sharing that one database.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

import sqlalchemy as sa

from bench import server
from bench.database import reference, scratch_copy
from bench.graph import ADDRESS, CART_CREATE, CHECKOUT, FULFIL, http_client, post
from bench.harness import Report, percentile, say
from bench.statements import probe
from db.engine import create_engine
from db.models import InventoryMovement, StockLevel
from domain.clock import system_clock
from domain.inventory.model import MovementKind
from schema.relay import to_global_id

SELLABLE = """SELECT v.id FROM product_variants v
JOIN variant_channel_listings vl ON vl.variant_id = v.id
JOIN channels c ON c.id = vl.channel_id AND c.is_default
JOIN product_channel_listings pl ON pl.product_id = v.product_id AND pl.channel_id = c.id AND pl.is_published
ORDER BY v.id LIMIT 2"""
WAREHOUSE = """SELECT l.id FROM locations l JOIN channel_locations cl ON cl.location_id = l.id
JOIN channels c ON c.id = cl.channel_id AND c.is_default
WHERE l.is_active AND l.ships_to_home ORDER BY l.type = 'WAREHOUSE' DESC, l.priority, l.id LIMIT 1"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(concurrency=64)
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database for a post-mortem")


async def stock_only_at(url: str, units: dict[int, int]) -> int:
    """Replace the stock of each variant with `units` in one warehouse (and its RECEIVE movement)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            location = await conn.scalar(sa.text(WAREHOUSE))
            for variant, on_hand in units.items():
                await conn.execute(sa.delete(InventoryMovement).where(InventoryMovement.variant_id == variant))
                await conn.execute(sa.delete(StockLevel).where(StockLevel.variant_id == variant))
                await conn.execute(
                    sa.insert(StockLevel).values(
                        variant_id=variant, location_id=location, on_hand=on_hand, reserved=0, updated_at=system_clock()
                    )
                )
                await conn.execute(
                    sa.insert(InventoryMovement).values(
                        variant_id=variant,
                        location_id=location,
                        kind=MovementKind.RECEIVE,
                        on_hand_delta=on_hand,
                        reserved_delta=0,
                        reason="flash-sale bench",
                        reference="bench",
                        created_at=system_clock(),
                    )
                )
    finally:
        await engine.dispose()
    return int(location)


async def sellable_variants(url: str) -> list[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [int(v) for v in await conn.scalars(sa.text(SELLABLE))]
    finally:
        await engine.dispose()


async def outcome_of(url: str, variant: int) -> dict[str, int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            orders = await conn.scalar(
                sa.text("SELECT count(DISTINCT order_id) FROM order_lines WHERE variant_id = :v"), {"v": variant}
            )
            on_hand, reserved = (
                await conn.execute(
                    sa.text(
                        "SELECT coalesce(sum(on_hand), 0), coalesce(sum(reserved), 0) FROM stock_levels "
                        "WHERE variant_id = :v"
                    ),
                    {"v": variant},
                )
            ).one()
    finally:
        await engine.dispose()
    return {"orders": int(orders or 0), "on_hand": int(on_hand), "reserved": int(reserved)}


async def statements_per_step(url: str, variant: int, report: Report) -> None:
    """SQL statements of each step of one buyer's flow, in-process on another variant."""
    async with probe(url) as counter:
        line = {"lines": [{"variantId": to_global_id("ProductVariant", variant), "quantity": 1}]}
        for n in range(2):  # the first buyer fills caches; the second is measured
            counter.take()
            cart = (await counter.post(CART_CREATE, {"input": line}))["cartCreate"]["cart"]["id"]
            steps = {"cartCreate": counter.take()}
            await counter.post(FULFIL, {"id": cart, "input": {"method": "DELIVERY", "address": ADDRESS}})
            steps["cartFulfillmentSet"] = counter.take()
            await counter.post(CHECKOUT, {"id": cart, "key": f"probe-{n}"})
            steps["checkoutComplete"] = counter.take()
    for step, count in steps.items():
        report.figure("statements_per_request", count, step=step)


async def buyer(client: Any, variant: str, i: int, timings: dict[str, list[float]]) -> str:
    """One buyer's whole flow; returns OK, the checkout's refusal code, or the error."""
    started = time.perf_counter()
    try:
        created = await post(client, CART_CREATE, {"input": {"lines": [{"variantId": variant, "quantity": 1}]}})
        payload = created["cartCreate"]
        if payload["userErrors"]:
            return f"cartCreate:{payload['userErrors'][0]['code']}"
        cart = payload["cart"]["id"]
        fulfilled = await post(client, FULFIL, {"id": cart, "input": {"method": "DELIVERY", "address": ADDRESS}})
        if fulfilled["cartFulfillmentSet"]["userErrors"]:
            return f"cartFulfillmentSet:{fulfilled['cartFulfillmentSet']['userErrors'][0]['code']}"
        t0 = time.perf_counter()
        done = (await post(client, CHECKOUT, {"id": cart, "key": f"flash-{i}"}))["checkoutComplete"]
        timings["checkout"].append(time.perf_counter() - t0)
        timings["flow"].append(time.perf_counter() - started)
        if done["userErrors"]:
            return str(done["userErrors"][0]["code"])
        timings["sold"].append(time.perf_counter())
        return "OK"
    except Exception as e:  # an error the sale must not produce: counted and shown
        return f"ERROR {type(e).__name__}: {str(e)[:200]}"


async def race(url: str, variant: int, args: argparse.Namespace) -> tuple[Counter[str], dict[str, list[float]], float]:
    gate = asyncio.Semaphore(args.concurrency)
    timings: dict[str, list[float]] = {"checkout": [], "flow": [], "sold": []}  # sold: when each order was made
    gid = to_global_id("ProductVariant", variant)
    async with server.running(url, workers=args.workers) as api, http_client(api.url, args.concurrency) as client:

        async def one(i: int) -> str:
            async with gate:
                return await buyer(client, gid, i, timings)

        started = time.perf_counter()
        outcomes = Counter(await asyncio.gather(*(one(i) for i in range(args.buyers))))
        elapsed = time.perf_counter() - started
    timings["sold"] = [t - started for t in timings["sold"]]
    return outcomes, timings, elapsed


async def run(args: argparse.Namespace, report: Report) -> int:
    report.context.update(buyers=args.buyers, units=args.units)
    async with (
        reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as ref,
        scratch_copy(ref, keep=args.keep) as db,
    ):
        hot, other = await sellable_variants(db.url)
        await stock_only_at(db.url, {hot: args.units, other: 10})
        await statements_per_step(db.url, other, report)
        say(
            f"flash-sale: {args.buyers} buyers, {args.concurrency} at a time, {args.units} units, "
            f"{args.workers} worker(s)"
        )
        outcomes, timings, elapsed = await race(db.url, hot, args)
        final = await outcome_of(db.url, hot)
    report.figure("buyers_per_s", round(args.buyers / elapsed, 1), seconds=round(elapsed, 2))
    sold_out = max(timings["sold"], default=elapsed)
    report.figure("orders_per_s", round(final["orders"] / sold_out, 1), sold_out_s=round(sold_out, 2))
    for name in ("checkout", "flow"):
        ordered = sorted(timings[name])
        for q in (50, 95):
            report.figure(f"{name}_p{q}_ms", round(percentile(ordered, q) * 1000, 2))
    for name, value in final.items():
        report.figure(name, value)
    report.figure("outcomes", dict(outcomes))
    return verdict(outcomes, final, args.units)


def verdict(outcomes: Counter[str], final: dict[str, int], units: int) -> int:
    """0 when exactly the units were sold and every refusal was for want of stock; else 1, said loudly."""
    problems = []
    if final["orders"] != units:
        problems.append(f"{final['orders']} orders for {units} units")
    if final["reserved"] != final["on_hand"]:
        problems.append(f"reserved {final['reserved']} != onHand {final['on_hand']}")
    unexpected = {k: v for k, v in outcomes.items() if k not in ("OK", "INSUFFICIENT_STOCK")}
    if unexpected:
        problems.append(f"unexpected outcomes {unexpected}")
    if outcomes["OK"] != final["orders"]:
        problems.append(f"{outcomes['OK']} successful checkouts but {final['orders']} orders")
    for problem in problems:
        say(f"FLASH SALE FAILED: {problem}")
    return 1 if problems else 0
