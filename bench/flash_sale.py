"""`flash-sale`: 10,000 guest buyers, 64 at a time, race to check out 1,000 units of one variant held
in one warehouse. Exits 1 if it does not sell exactly the units, if `reserved != onHand` at the end,
or if any refusal is other than INSUFFICIENT_STOCK.

What is measured is the race itself: `checkoutComplete` with an idempotency key, one per buyer. The
buyers' carts are prepared beforehand: one through the graph (`cartCreate` with the line,
`cartFulfillmentSet` DELIVERY to an address), copied in SQL with a token of each buyer's own, so the
load generator (wrk, when installed: `--client`) sends bytes and counts outcomes without parsing
them. Buyers are guests: the graph lets anonymous clients check out, and registering 10,000
members would measure argon2 rather than the sale. Runs on a throwaway copy of the reference
database; `--workers 2` serves it from two processes sharing that one database.

`--document FILE --operation NAME --variables JSON` sends a client's checkout document instead of the
bench's own (`python -m bench flash-sale --document ../shared/clients/storefront.graphql --operation
Checkout --variables '{"cartId": "<id>", "key": "<uuid>"}'`): `<id>` becomes each buyer's cart and
`<uuid>` its idempotency key, as ../shared/clients/variables.json writes them.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bench import server, wrk
from bench.database import reference, scratch_copy
from bench.documents import Document, add_document_options, chosen
from bench.graph import ADDRESS, CART_CREATE, CHECKOUT, FULFIL, JSON, body, http_client, uses_wrk
from bench.harness import Load, Report, drive, say
from bench.statements import probe
from db.engine import create_engine
from db.models import InventoryMovement, Order, OrderLine, StockLevel
from domain.clock import system_clock
from domain.inventory.model import MovementKind
from domain.orders.carts import new_token
from schema.relay import decode_token, to_global_id

SELLABLE = """SELECT v.id FROM product_variants v
JOIN variant_channel_listings vl ON vl.variant_id = v.id
JOIN channels c ON c.id = vl.channel_id AND c.is_default
JOIN product_channel_listings pl ON pl.product_id = v.product_id AND pl.channel_id = c.id AND pl.is_published
ORDER BY v.id LIMIT 2"""
WAREHOUSE = """SELECT l.id FROM locations l JOIN channel_locations cl ON cl.location_id = l.id
JOIN channels c ON c.id = cl.channel_id AND c.is_default
WHERE l.is_active AND l.ships_to_home ORDER BY l.type = 'WAREHOUSE' DESC, l.priority, l.id LIMIT 1"""
# Checkouts of the other variant before the race, sent as the race is: every worker's first-request
# costs paid and its database connections opened, as on a server that was serving before the sale.
WARMUP = 1000


def warmups(args: argparse.Namespace) -> int:
    """How many warm-up checkouts: `WARMUP`, or as many as the buyers when they are fewer."""
    return min(WARMUP, args.buyers)


CART, KEY = "<id>", "<uuid>"  # in a checkout's variables: each buyer's cart and idempotency key
OWN = Document(CHECKOUT, None, {"id": CART, "key": KEY})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(concurrency=64)
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=1_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database for a post-mortem")
    add_document_options(parser)


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


async def selling_time(url: str, variant: int, since: float) -> float:
    """Seconds from the first to the last order of `variant` placed after `since` (each order's
    `created_at` is when its checkout began): the race as the server saw it, without the time the load
    generator took to start (wrk loads every body first: 23 MB for a client's whole document)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            first, last = (
                await conn.execute(
                    sa.select(sa.func.min(Order.created_at), sa.func.max(Order.created_at))
                    .join(OrderLine, OrderLine.order_id == Order.id)
                    .where(OrderLine.variant_id == variant, Order.created_at >= datetime.fromtimestamp(since, UTC))
                )
            ).one()
    finally:
        await engine.dispose()
    return float(last.timestamp() - first.timestamp()) if first and last else 0.0


async def statements_per_step(url: str, variant: int, report: Report) -> str:
    """SQL statements of each step of one buyer's flow, in-process on another variant; the token of the
    cart left ready to check out (the template of the prepared carts)."""
    async with probe(url) as counter:
        line = {"lines": [{"variantId": to_global_id("ProductVariant", variant), "quantity": 1}]}
        for n in range(3):  # the first buyer fills caches; the second is measured; the third's cart is kept
            counter.take()
            cart = (await counter.post(CART_CREATE, {"input": line}))["cartCreate"]["cart"]["id"]
            steps = {"cartCreate": counter.take()}
            await counter.post(FULFIL, {"id": cart, "input": {"method": "DELIVERY", "address": ADDRESS}})
            steps["cartFulfillmentSet"] = counter.take()
            if n == 2:
                break
            await counter.post(CHECKOUT, {"id": cart, "key": f"probe-{n}"})
            steps["checkoutComplete"] = counter.take()
            if n == 1:
                for step, count in steps.items():
                    report.figure("statements_per_request", count, step=step)
    return str(decode_token(cart, "Cart"))


async def copy_cart(url: str, token: str, variant: int, copies: int) -> list[str]:
    """`copies` carts like the cart `token` (its lines with `variant` instead), each with its own token:
    the buyers' carts, ready to check out. Their global ids, in order."""
    tokens = [new_token() for _ in range(copies)]
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            template = await conn.scalar(sa.text("SELECT id FROM carts WHERE token = :t"), {"t": token})
            first = await conn.scalar(sa.text("SELECT coalesce(max(id), 0) FROM carts"))
            await conn.execute(sa.text(COPY_CART), [{"template": template, "token": t} for t in tokens])
            await conn.execute(sa.text(COPY_LINES), {"template": template, "first": first, "variant": variant})
    finally:
        await engine.dispose()
    return [to_global_id("Cart", t) for t in tokens]


COPY_CART = """INSERT INTO carts (token, channel_id, member_id, location_id, staff_id, fulfilment_method,
  pickup_location_id, address, points, coupon_code, created_at, updated_at)
SELECT :token, channel_id, member_id, location_id, staff_id, fulfilment_method, pickup_location_id, address,
  points, coupon_code, created_at, updated_at FROM carts WHERE id = :template"""
COPY_LINES = """INSERT INTO cart_lines (cart_id, variant_id, quantity, created_at)
SELECT c.id, :variant, l.quantity, l.created_at FROM carts c JOIN cart_lines l ON l.cart_id = :template
WHERE c.id > :first"""
OUTCOMES = {"OK": '"order":{', "INSUFFICIENT_STOCK": '"INSUFFICIENT_STOCK"'}
ANSWERS = '"checkoutComplete"'  # every checkout's answer, refused or not (not wrk's other requests)


def checkout_bodies(carts: list[str], prefix: str, document: Document = OWN) -> list[bytes]:
    """One checkout body per cart: `document` with its `<id>` and `<uuid>` values filled in."""
    return [
        body(document.text, _filled(document.variables, {CART: cart, KEY: f"{prefix}-{i}"}), document.operation)
        for i, cart in enumerate(carts)
    ]


def _filled(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _filled(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, values) for v in value]
    return values.get(value, value) if isinstance(value, str) else value


async def checkouts(url: str, bodies: list[bytes], args: argparse.Namespace) -> tuple[Load | wrk.WrkLoad, Counter[str]]:
    """Each body posted once, `args.concurrency` at a time, by wrk (or httpx: `--client`); the
    outcomes counted from the answers' bytes (OTHER: neither an order nor INSUFFICIENT_STOCK)."""
    load: Load | wrk.WrkLoad
    if uses_wrk(args):
        load = await wrk.drive(
            url + "/graphql",
            bodies,
            concurrency=args.concurrency,
            duration=600,
            once=True,
            counts={**OUTCOMES, "ANSWERS": ANSWERS},
        )
        outcomes = Counter(load.counts)
    else:
        outcomes = Counter()
        async with http_client(url, args.concurrency) as client:

            async def send(i: int) -> str | None:
                response = await client.post("/graphql", content=bodies[i], headers=JSON)
                outcomes.update(k for k, text in OUTCOMES.items() if text.encode() in response.content)
                return None if response.status_code == 200 and b'"errors"' not in response.content else response.text

            load = await drive(send, concurrency=args.concurrency, duration=0, requests=len(bodies))
    answers = outcomes.pop("ANSWERS", load.requests)
    outcomes["OTHER"] = answers - sum(outcomes.values())
    return load, +outcomes


async def race(
    url: str, carts: list[str], warmup: list[str], args: argparse.Namespace, document: Document
) -> tuple[Load | wrk.WrkLoad, Counter[str], float, list[int]]:
    """Warm the server up on the other variant's carts, then let the buyers check out; the load, its
    outcomes, a moment before it started (wall clock, to compare with the orders' `created_at`), and
    how the buyers' connections fell between the workers."""
    async with server.running(url, workers=args.workers) as api:
        await checkouts(api.url, checkout_bodies(warmup, "warmup", document), args)
        started = time.time()
        spread = asyncio.create_task(server.widest_spread(api.url))
        try:
            load, outcomes = await checkouts(api.url, checkout_bodies(carts, "flash", document), args)
        finally:
            spread.cancel()
    return load, outcomes, started, await spread


async def run(args: argparse.Namespace, report: Report) -> int:
    report.context.update(buyers=args.buyers, units=args.units)
    document = chosen(args, OWN.text, OWN.variables, report)
    if CART not in repr(document.variables):
        raise SystemExit(f'--variables must name the cart as "{CART}" (each buyer\'s own)')
    async with (
        reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as ref,
        scratch_copy(ref, keep=args.keep) as db,
    ):
        hot, other = await sellable_variants(db.url)
        await stock_only_at(db.url, {hot: args.units, other: 10 + warmups(args)})
        template = await statements_per_step(db.url, other, report)
        warmup = await copy_cart(db.url, template, other, warmups(args))
        carts = await copy_cart(db.url, template, hot, args.buyers)
        say(
            f"flash-sale: {args.buyers} buyers, {args.concurrency} at a time, {args.units} units, "
            f"{args.workers} worker(s)"
        )
        load, outcomes, started, spread = await race(db.url, carts, warmup, args, document)
        final = await outcome_of(db.url, hot)
        sold_out = await selling_time(db.url, hot, started)
    load.report(report, prefix="checkout_")
    report.figure("orders_per_s", round(final["orders"] / sold_out, 1), sold_out_s=round(sold_out, 2))
    for name, value in final.items():
        report.figure(name, value)
    report.figure("outcomes", dict(outcomes))
    report.figure("connections_per_worker", spread)
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
