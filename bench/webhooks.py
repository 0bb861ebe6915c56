"""`webhooks`: how soon a change's webhook arrives after the change commits, and how many deliveries per
second the delivery workers sustain, as deployed: `omnishop serve --workers 2` (`--workers`) on a
throwaway copy of the reference database, with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true so that it may
call a receiver on 127.0.0.1 over plain http.

The bench signs in as its admin, registers an app and, as that app, a PRODUCT_UPDATED webhook aimed
at a receiver in this process: a small asyncio HTTP/1.1 server (keep-alive, answers 204) that
records each request's arrival time and `webhook-id` and verifies its signature with
`standardwebhooks`, the package a receiver would use. Then it changes products' descriptions
through `productUpdate`, each change a different product (the default payload's `product.id`
names the change), in phases run one after another:

- `warmup`: `--warmup` changes, not reported (every worker's first-request costs paid);
- `rate`: `--changes` changes at `--rate` per second, each sent on schedule whatever the pace of
  the answers (an open loop: a slow answer does not hide the latency behind it);
- `burst`: `--burst` changes at once (`--concurrency` in flight): the deliveries/s the workers keep
  up when the outbox fills faster than they send.

Latency runs from the moment the mutation's answer arrived (the change had committed) to the receipt
of its delivery, on one clock (the receiver shares this process); a delivery can beat the answer
back to the client, so the smallest latencies can be a little below zero. Each phase waits up to
`--wait` seconds for its deliveries before the next begins. **Exits 1** when a change's delivery
never arrived, a signature did not verify, or a change was refused. Repeats (a `webhook-id` seen
again: delivery is at least once) are counted, not failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook as Verifier

from bench import server
from bench.database import STAFF_EMAIL, STAFF_PASSWORD, ensure_bench_admin, reference, scratch_copy
from bench.graph import JSON, STAFF_SIGN_IN, body, http_client, post
from bench.harness import Report, percentile, say
from db.engine import create_engine
from schema.relay import to_global_id

APP_CREATE = """mutation($input: AppCreateInput!) {
  appCreate(input: $input) { app { id } token userErrors { code message } } }"""
WEBHOOK_CREATE = """mutation($input: WebhookCreateInput!) {
  webhookCreate(input: $input) { webhook { id } secret userErrors { code message } } }"""
PRODUCT_UPDATE = """mutation($id: ID!, $input: ProductUpdateInput!) {
  productUpdate(id: $id, input: $input) { product { id } userErrors { code message } } }"""
NO_CONTENT = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(workers=2, concurrency=16, warmup=20)
    parser.add_argument("--changes", type=int, default=500, help="changes made at --rate")
    parser.add_argument("--rate", type=float, default=50.0, help="changes per second in the rate phase")
    parser.add_argument("--burst", type=int, default=500, help="changes made at once in the burst phase")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds a phase waits for its deliveries")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database for a post-mortem")


@dataclass
class Receiver:
    """The app's endpoint: verifies each delivery and notes when the first one for each expected product
    came (a repeated `webhook-id` is a duplicate, whatever its product)."""

    verifier: Verifier | None = None
    port: int = 0
    seen: set[str] = field(default_factory=set)
    duplicates: int = 0
    bad_signatures: int = 0
    first_bad: str | None = None
    stray: int = 0  # first arrivals for no expected change (a change of an earlier phase, arriving late)
    expected: set[str] = field(default_factory=set)
    arrived: dict[str, float] = field(default_factory=dict)  # product global id: perf_counter at receipt
    _all_in: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def expect(self, products: list[str]) -> None:
        self.expected, self.arrived = set(products), {}
        self._all_in.clear()

    async def wait(self, seconds: float) -> None:
        """Until every expected product's delivery arrived, or `seconds` passed."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_in.wait(), seconds)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request_line := await reader.readline():
                if not request_line.strip():
                    continue
                headers = {}
                while (line := await reader.readline()).strip():
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                content = await reader.readexactly(int(headers.get("content-length", "0")))
                self.receive(time.perf_counter(), headers, content)
                writer.write(NO_CONTENT)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    def receive(self, at: float, headers: dict[str, str], content: bytes) -> None:
        """One delivery: a bad signature is counted (and is no arrival); a seen `webhook-id` is a duplicate."""
        try:
            assert self.verifier is not None, "a delivery before the webhook was registered"
            payload: dict[str, Any] = self.verifier.verify(content, headers)
            product = str(payload["data"]["product"]["id"])
        except Exception as e:  # any failure to verify or read it: the sender's fault, reported
            self.bad_signatures += 1
            self.first_bad = self.first_bad or f"{type(e).__name__}: {e}"
            return
        message = headers.get("webhook-id", "")
        if message in self.seen:
            self.duplicates += 1
            return
        self.seen.add(message)
        if product not in self.expected or product in self.arrived:
            self.stray += 1
            return
        self.arrived[product] = at
        if len(self.arrived) == len(self.expected):
            self._all_in.set()


@dataclass
class Phase:
    name: str
    products: list[str]
    started: float = 0.0
    answered: dict[str, float] = field(default_factory=dict)  # product: perf_counter when its answer came
    errors: list[str] = field(default_factory=list)

    def latencies(self, arrived: dict[str, float]) -> list[float]:
        return sorted(arrived[p] - self.answered[p] for p in self.products if p in arrived and p in self.answered)


async def product_ids(url: str, count: int, enough: int) -> list[str]:
    """Up to `count` products' global ids, at least `enough` (the largest phase); the bench admin
    inserted if missing."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await ensure_bench_admin(conn)
            ids = list(await conn.scalars(sa.text("SELECT id FROM products ORDER BY id LIMIT :n"), {"n": count}))
    finally:
        await engine.dispose()
    if len(ids) < enough:
        raise RuntimeError(f"a phase changes {enough} different products; the data set has {len(ids)} (--products)")
    return [to_global_id("Product", i) for i in ids]


async def register(client: httpx.AsyncClient, target: str) -> str:
    """Sign in as the bench admin, create the app, and as the app its PRODUCT_UPDATED webhook; the
    webhook's secret. Leaves `client` signed in as the admin (who makes the changes)."""
    signed = await post(client, STAFF_SIGN_IN, {"input": {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}})
    client.headers["Authorization"] = f"Bearer {signed['staffTokenCreate']['accessToken']}"
    app = (await post(client, APP_CREATE, {"input": {"name": "Bench ERP", "scopes": ["CATALOG_READ"]}}))["appCreate"]
    webhook = {"name": "bench receiver", "targetUrl": target, "events": ["PRODUCT_UPDATED"]}
    response = await client.post(
        "/graphql",
        content=body(WEBHOOK_CREATE, {"input": webhook}),
        headers={**JSON, "Authorization": f"Bearer {app['token']}"},
    )
    created = response.json()["data"]["webhookCreate"]
    if created["userErrors"] or not created["secret"]:
        raise RuntimeError(f"webhookCreate: {created['userErrors']}")
    return str(created["secret"])


async def change(client: httpx.AsyncClient, phase: Phase, i: int) -> None:
    product = phase.products[i]
    variables = {"id": product, "input": {"description": f"Webhook bench, {phase.name} change {i}."}}
    try:
        response = await client.post("/graphql", content=body(PRODUCT_UPDATE, variables), headers=JSON)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as e:
        phase.errors.append(f"{type(e).__name__}: {e}")
        return
    if "errors" in answer or answer["data"]["productUpdate"]["userErrors"]:
        phase.errors.append(str(answer)[:300])
        return
    phase.answered[product] = time.perf_counter()


async def run_phase(
    client: httpx.AsyncClient, receiver: Receiver, phase: Phase, rate: float | None, wait: float
) -> None:
    """Make the phase's changes (at `rate` per second, or all at once), then wait for their deliveries."""
    receiver.expect(phase.products)
    phase.started = time.perf_counter()
    sent = []
    for i in range(len(phase.products)):
        if rate:
            await asyncio.sleep(max(0.0, phase.started + i / rate - time.perf_counter()))
        sent.append(asyncio.create_task(change(client, phase, i)))
    await asyncio.gather(*sent)
    await receiver.wait(wait)


def report_phase(report: Report, phase: Phase, arrived: dict[str, float]) -> None:
    latencies = phase.latencies(arrived)
    for q in (50, 95, 99):
        report.figure(f"latency_p{q}_ms", round(percentile(latencies, q) * 1000, 1), phase=phase.name)
    report.figure("latency_max_ms", round(latencies[-1] * 1000, 1) if latencies else None, phase=phase.name)
    last_answer = max(phase.answered.values(), default=phase.started)
    report.figure(
        "changes_per_s", round(len(phase.answered) / max(last_answer - phase.started, 1e-9), 1), phase=phase.name
    )
    last_arrival = max(arrived.values(), default=phase.started)
    span = last_arrival - phase.started
    report.figure("deliveries_per_s", round(len(arrived) / span, 1) if span > 0 else None, phase=phase.name)
    # how long after the last answer the last delivery came: near 0 when the workers kept pace with the
    # changes (then deliveries_per_s is the pace of the changes, a floor of what the workers can do)
    report.figure("drain_ms", round((last_arrival - last_answer) * 1000, 1), phase=phase.name)
    report.figure("delivered", len(arrived), phase=phase.name, changes=len(phase.products))
    report.figure("missing", len(phase.products) - len(arrived), phase=phase.name)
    report.figure("change_errors", len(phase.errors), phase=phase.name)


async def run(args: argparse.Namespace, report: Report) -> int:
    report.context.update(changes=args.changes, rate=args.rate, burst=args.burst)
    sizes = {"warmup": args.warmup, "rate": args.changes, "burst": args.burst}
    receiver = Receiver()
    await receiver.start()
    problems: list[str] = []
    try:
        async with (
            reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as ref,
            scratch_copy(ref, keep=args.keep) as db,
        ):
            # each phase its own products when there are enough (a straggler of a phase that gave up on
            # it then cannot pass for a change of the next one), else the first ones again
            products = await product_ids(db.url, sum(sizes.values()), max(sizes.values()))
            offset = 0
            env = server.server_env(db.url, WEBHOOK_ALLOW_PRIVATE_NETWORKS="true")
            async with (
                server.running(db.url, workers=args.workers, env=env) as api,
                http_client(api.url, args.concurrency) as client,
            ):
                receiver.verifier = Verifier(await register(client, receiver.url))
                for name, count in sizes.items():
                    if not count:
                        continue
                    say(f"webhooks: {name}, {count} changes, {args.workers} worker(s)")
                    offset = offset if offset + count <= len(products) else 0
                    phase = Phase(name, products[offset : offset + count])
                    offset += count
                    await run_phase(client, receiver, phase, args.rate if name == "rate" else None, args.wait)
                    if name != "warmup":
                        report_phase(report, phase, receiver.arrived)
                    problems += [f"{name}: {e}" for e in phase.errors[:3]]
                    missing = [p for p in phase.products if p not in receiver.arrived]
                    if missing:
                        problems.append(f"{name}: {len(missing)} deliveries not in within --wait (first: {missing[0]})")
    finally:
        await receiver.close()
    report.figure("duplicates", receiver.duplicates)
    report.figure("bad_signatures", receiver.bad_signatures)
    report.figure("late", receiver.stray)
    if receiver.bad_signatures:
        problems.append(f"{receiver.bad_signatures} signatures did not verify ({receiver.first_bad})")
    for problem in problems:
        say(f"WEBHOOKS FAILED: {problem}")
    return 1 if problems else 0
