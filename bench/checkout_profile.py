"""`checkout-profile`: the CPU one checkout costs, counted rather than timed (the machine is shared).

In-process, on a throwaway copy of the reference database: the app (its outbox relay and report
feed running on the same event loop) is called straight through ASGI, without an HTTP client's
work, for `--checkouts` guest checkouts of carts prepared as the flash sale prepares them (each
one sells a unit), then `--refused` more once the stock is gone (INSUFFICIENT_STOCK). cProfile
counts the Python function calls of each phase, which does not depend on the machine's load;
the SQL statements are counted beside them (the request's, and the relay's and feed's after it).
The top functions by cumulative time go to stderr.

CPU instructions instead of calls (also load-independent, and counting C code too):

    valgrind --tool=callgrind --instr-atstart=no python -m bench checkout-profile --callgrind

counts from the first checkout that places an order to the last (`callgrind_control` switches the
instrumentation on and off around them, as `bench cpu` does): valgrind's `Collected` figure over
`--checkouts` is the instructions per checkout.
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

from bench.cpu import AsgiCaller, callgrind
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
    parser.add_argument("--callgrind", action="store_true", help="under valgrind: count instructions, not calls")


class Counted:
    """Every statement the app sends (the request's and its background workers'), and while measuring
    the function calls (cProfile) or the instructions (`callgrind`)."""

    def __init__(self, counter: Probe, callgrind: bool) -> None:
        self.counter = counter
        self.callgrind = callgrind
        self.all = 0
        event.listen(counter.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.all += 1

    async def phase(
        self, bodies: Sequence[bytes], expect: bytes, *, measure: bool = True
    ) -> tuple[float, float, pstats.Stats | None]:
        """Post `bodies` one after another; request statements and all statements per body, and the
        profile when measured with cProfile."""
        self.counter.take()
        before = self.all
        profiler = cProfile.Profile() if measure and not self.callgrind else None
        if profiler is not None:
            profiler.enable()
        elif measure:
            callgrind("on")
        for content in bodies:
            answer = await AsgiCaller(self.counter.app, content)()
            if expect not in answer:
                raise RuntimeError(f"unexpected answer: {answer[:500]!r}")
        await asyncio.sleep(SETTLE_S)
        if profiler is not None:
            profiler.disable()
        elif measure:
            callgrind("off")
        n = len(bodies)
        return self.counter.take() / n, (self.all - before) / n, pstats.Stats(profiler) if profiler else None


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
            counted = Counted(counter, callgrind=args.callgrind)
            await counted.phase(checkout_bodies(warmup, "warmup"), b'"order":{', measure=False)
            bodies = checkout_bodies(carts, "profile")
            phases = [("placed", bodies[: args.checkouts], b'"order":{')]
            if args.refused:
                phases.append(("refused", bodies[args.checkouts :], b'"INSUFFICIENT_STOCK"'))
            for outcome, sent, expect in phases:
                say(f"checkout-profile: {len(sent)} checkouts ({outcome})")
                statements, everything, stats = await counted.phase(
                    sent, expect, measure=outcome == "placed" or not args.callgrind
                )
                if stats is not None:
                    calls = stats.total_calls / len(sent)  # type: ignore[attr-defined]
                    report.figure("python_calls_per_checkout", round(calls), outcome=outcome)
                    report.figure("python_calls_per_checkout_by_package", by_package(stats, len(sent)), outcome=outcome)
                    say(top(stats, args.top))
                    if args.pstats and outcome == "placed":
                        stats.dump_stats(args.pstats)
                report.figure("statements_per_checkout", statements, outcome=outcome)
                report.figure("statements_per_checkout_with_background", round(everything, 2), outcome=outcome)
            if args.callgrind:
                say(f"instructions per checkout: valgrind's `Collected` figure over {args.checkouts}")
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
