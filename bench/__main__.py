"""`python -m bench <name> [options]`: run one bench and print its figures as JSON lines.

Benches: listing, detail, cpu, flash-sale, checkout-profile, startup, nearby, scale, webhooks, reports,
settlement, metrics-overhead. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from types import ModuleType
from typing import Any

from bench import (
    checkout_profile,
    cpu,
    detail,
    flash_sale,
    listing,
    metrics_overhead,
    nearby,
    reports,
    scale,
    settlement,
    startup,
    webhooks,
)
from bench.database import REFERENCE_PRODUCTS
from bench.harness import Report
from bench.server import CACHE_ENV, METRICS_ENV

BENCHES: dict[str, ModuleType] = {
    "listing": listing,
    "detail": detail,
    "cpu": cpu,
    "flash-sale": flash_sale,
    "checkout-profile": checkout_profile,
    "startup": startup,
    "nearby": nearby,
    "scale": scale,
    "webhooks": webhooks,
    "reports": reports,
    "settlement": settlement,
    "metrics-overhead": metrics_overhead,
}


def common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    common.add_argument("--products", type=int, default=REFERENCE_PRODUCTS, help="size of the demo catalogue")
    common.add_argument("--fresh", action="store_true", help="drop and reseed the bench's PostgreSQL database")
    common.add_argument("--concurrency", type=int, default=16, help="requests in flight at once")
    common.add_argument("--duration", type=float, default=5.0, help="seconds of measured load")
    common.add_argument("--requests", type=int, default=None, help="a number of requests instead of --duration")
    common.add_argument("--warmup", type=int, default=50, help="unmeasured requests first")
    common.add_argument("--workers", type=int, default=1, help="server worker processes (omnishop serve --workers)")
    common.add_argument(
        "--client",
        choices=("auto", "wrk", "httpx"),
        default="auto",
        help="load generator: wrk (when installed and the run is timed) or the Python client",
    )
    common.add_argument(
        "--cache",
        action="store_true",
        help="serve with the response cache on (off by default: the "
        "benches measure the work a request does, not a cache hit)",
    )
    common.add_argument(
        "--metrics",
        action="store_true",
        help="serve with METRICS=true (off by default), and report what /metrics counted beside what the "
        "bench measured: run once with and once without to see what the metrics cost",
    )
    return common


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    names = root.add_subparsers(dest="bench", required=True, metavar="BENCH")
    for name, module in BENCHES.items():  # a parent per bench: set_defaults would change a shared one's actions
        sub = names.add_parser(
            name,
            parents=[common_options()],
            help=(module.__doc__ or "").strip().splitlines()[0],
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    report = Report(
        args.bench,
        {"concurrency": args.concurrency, "workers": args.workers, "cache": args.cache, "metrics": args.metrics},
    )
    os.environ[CACHE_ENV] = "true" if args.cache else "false"
    os.environ[METRICS_ENV] = "true" if args.metrics else "false"
    run: Callable[[argparse.Namespace, Report], Coroutine[Any, Any, int]] = BENCHES[args.bench].run
    try:
        import uvloop  # the load generator shares two cores with the server: a faster loop leaves it more
    except ImportError:
        return asyncio.run(run(args, report))
    return uvloop.run(run(args, report))


if __name__ == "__main__":
    sys.exit(main())
