"""`checkout-profile`: the CPU one checkout costs, counted rather than timed (the machine is shared).

In-process, on a throwaway copy of the reference database: the app (its outbox relay and report
feed running on the same event loop) is called straight through ASGI, without an HTTP client's
work, for `--checkouts` guest checkouts of carts prepared as the flash sale prepares them (each
one sells a unit), then `--refused` more once the stock is gone (INSUFFICIENT_STOCK). cProfile
counts the Python function calls of each phase, which does not depend on the machine's load;
the SQL statements are counted beside them (the request's, and the relay's and feed's after it).
The top functions by cumulative time go to stderr.

CPU instructions instead of calls (also load-independent, and counting C code too): run it twice
under callgrind without cProfile and take the difference, which cancels the setup:

    valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p python -m bench checkout-profile \\
        --no-cprofile --checkouts 100 --refused 0      # then --checkouts 200
    callgrind_annotate /tmp/cg.<pid> | head             # (I(200) - I(100)) / 100 per checkout
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.database import reference, scratch_copy
from bench.flash_sale import checkout_bodies, copy_cart, sellable_variants, statements_per_step, stock_only_at
from bench.harness import ROOT, Report, say
from bench.statements import Probe, probe

WARMUP = 20  # checkouts before the measured ones: every first-request cost paid
# The background workers' timed passes at their slowest: what they do then follows the checkouts (the
# relay and the report feed are woken by each commit), not how long the checkouts took.
QUIET = {"events_interval": 60, "reports_interval": 60}
SETTLE_S = 0.3  # after the last checkout, for the relay's and feed's last pass to finish


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkouts", type=int, default=200, help="measured checkouts that each place an order")
    parser.add_argument("--refused", type=int, default=50, help="measured checkouts after the stock is gone")
    parser.add_argument("--top", type=int, default=25, help="functions listed by cumulative time (stderr)")
    parser.add_argument("--pstats", help="save the profile of the checkouts that placed orders to this file")
    parser.add_argument("--no-cprofile", action="store_true", help="run without cProfile (under callgrind)")


async def asgi_post(app: Any, content: bytes) -> bytes:
    """POST `content` to /graphql straight through ASGI; the answer's body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    sent = False
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the request is over: nothing more arrives
        sent = True
        return {"type": "http.request", "body": content, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return b"".join(chunks)


class Counted:
    """Every statement the app sends (the request's and its background workers'), and the function
    calls while profiling."""

    def __init__(self, counter: Probe, profile: bool) -> None:
        self.counter = counter
        self.all = 0
        self.profiler = cProfile.Profile() if profile else None
        event.listen(counter.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.all += 1

    async def phase(self, bodies: Sequence[bytes], expect: bytes) -> tuple[float, float, float, pstats.Stats | None]:
        """Post `bodies` one after another; calls, request statements and all statements per body."""
        self.counter.take()
        before = self.all
        if self.profiler is not None:
            self.profiler = cProfile.Profile()
            self.profiler.enable()
        for content in bodies:
            answer = await asgi_post(self.counter.app, content)
            if expect not in answer:
                raise RuntimeError(f"unexpected answer: {answer[:500]!r}")
        await asyncio.sleep(SETTLE_S)
        stats = None
        if self.profiler is not None:
            self.profiler.disable()
            stats = pstats.Stats(self.profiler)
        n = len(bodies)
        calls = stats.total_calls / n if stats is not None else 0.0  # type: ignore[attr-defined]
        return calls, self.counter.take() / n, (self.all - before) / n, stats


async def run(args: argparse.Namespace, report: Report) -> int:
    report.context.update(checkouts=args.checkouts, refused=args.refused)
    async with (
        reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as ref,
        scratch_copy(ref) as db,
    ):
        hot, other = await sellable_variants(db.url)
        await stock_only_at(db.url, {hot: args.checkouts, other: 10 + WARMUP})
        template = await statements_per_step(db.url, other, report)
        warmup = await copy_cart(db.url, template, other, WARMUP)
        carts = await copy_cart(db.url, template, hot, args.checkouts + args.refused)
        async with probe(db.url, **QUIET) as counter:
            counted = Counted(counter, profile=not args.no_cprofile)
            await counted.phase(checkout_bodies(warmup, "warmup"), b'"order":{')
            bodies = checkout_bodies(carts, "profile")
            phases = [("placed", bodies[: args.checkouts], b'"order":{')]
            if args.refused:
                phases.append(("refused", bodies[args.checkouts :], b'"INSUFFICIENT_STOCK"'))
            for outcome, sent, expect in phases:
                say(f"checkout-profile: {len(sent)} checkouts ({outcome})")
                calls, statements, everything, stats = await counted.phase(sent, expect)
                if stats is not None:
                    report.figure("python_calls_per_checkout", round(calls), outcome=outcome)
                    report.figure("python_calls_per_checkout_by_package", by_package(stats, len(sent)), outcome=outcome)
                    say(top(stats, args.top))
                    if args.pstats and outcome == "placed":
                        stats.dump_stats(args.pstats)
                report.figure("statements_per_checkout", statements, outcome=outcome)
                report.figure("statements_per_checkout_with_background", round(everything, 2), outcome=outcome)
    return 0


PACKAGES = ("sqlalchemy", "asyncpg", "strawberry", "graphql", "starlette", "api", "db", "domain", "schema", "bench")


def by_package(stats: pstats.Stats, n: int) -> dict[str, int]:
    """Calls per checkout by the package of the function called (`other`: the standard library, C
    functions and the rest)."""
    found: dict[str, int] = dict.fromkeys((*PACKAGES, "other"), 0)
    for (filename, _line, _name), (_primitive, calls, *_rest) in stats.stats.items():  # type: ignore[attr-defined]
        path = Path(filename)
        parts = path.parts
        if "site-packages" in parts:
            package = parts[parts.index("site-packages") + 1]
        elif path.is_relative_to(ROOT):
            package = path.relative_to(ROOT).parts[0]
        else:
            package = "other"
        found[package if package in found else "other"] += calls
    return {k: round(v / n) for k, v in found.items()}


def top(stats: pstats.Stats, n: int) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(n)
    return out.getvalue()
