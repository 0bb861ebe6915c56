"""`scale`: the listing's and the product page's p95 on the reference catalogue and on a much bigger
one, and their ratio (QUALITY.md's bar: within 1.25x, which indexes and keyset pagination buy).

The big catalogue is seeded once with the demo generator (`--large` products, about 25 rows each)
and kept as `omnishop_bench_<large>`; the first run takes minutes, later ones reuse it. Members and
orders at scale (`me.orders`, `memberLookup`) wait for the demo seeding to produce them.
"""

from __future__ import annotations

import argparse

from bench import listing, server
from bench.database import reference
from bench.detail import published_slugs
from bench.graph import DETAIL, graphql_sender, http_client
from bench.harness import Load, Report, drive, percentile, say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(concurrency=1)
    parser.add_argument("--large", type=int, default=100_000, help="products in the big catalogue")
    parser.add_argument("--first", type=int, default=20, help="products on the listing page")


async def detail_load(url: str, args: argparse.Namespace) -> Load:
    slugs = await published_slugs(url, 500)
    async with server.running(url, workers=args.workers) as api, http_client(api.url, args.concurrency) as client:
        send = graphql_sender(client, DETAIL, lambda i: {"slug": slugs[i % len(slugs)]})
        return await drive(send, concurrency=args.concurrency, duration=args.duration, requests=args.requests,
                           warmup=args.warmup)


async def run(args: argparse.Namespace, report: Report) -> int:
    p95: dict[tuple[str, int], float] = {}
    errors = 0
    for size in (args.products, args.large):
        async with reference(size, sqlite=args.sqlite, fresh=args.fresh, report=report) as db:
            for page, measure in (("listing", listing.load), ("detail", detail_load)):
                say(f"scale: {page} on {size:,} products")
                result = await measure(db.url, args)
                errors += result.errors
                ordered = sorted(result.latencies)
                p95[(page, size)] = percentile(ordered, 95) * 1000
                report.figure("p50_ms", round(percentile(ordered, 50) * 1000, 2), page=page, products=size)
                report.figure("p95_ms", round(p95[(page, size)], 2), page=page, products=size,
                              requests=len(ordered), errors=result.errors)
    for page in ("listing", "detail"):
        report.figure("p95_large_over_small", round(p95[(page, args.large)] / p95[(page, args.products)], 3),
                      page=page, small=args.products, large=args.large)
    return 1 if errors else 0
