"""`listing`: the storefront's first product page (price, stock, category, variants) as an anonymous
client, and beside it, in the same run and at the same concurrency, the raw-SQL floor serving the
same rows; the ratio of the two throughputs is the figure to watch.

`listing --search`: the same page for the searches of `bench.graph.SEARCHES` in turn, ranked by
relevance (the floor does not search, so it is left out).
"""

from __future__ import annotations

import argparse
from typing import Any

from bench import floor, server
from bench.database import reference
from bench.graph import LISTING, SEARCH, SEARCHES, http_client, measure, post
from bench.harness import Load, Report, say
from bench.statements import statements_per_request
from bench.wrk import WrkLoad


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--first", type=int, default=20, help="products on the page (QUALITY.md's bar uses 50)")
    parser.add_argument("--no-floor", action="store_true", help="skip the raw-SQL floor")
    parser.add_argument("--search", action="store_true", help="search the catalogue (bench.graph.SEARCHES) instead")


async def load(
    url: str,
    args: argparse.Namespace,
    *,
    command: list[str] | None = None,
    env: dict[str, str] | None = None,
    sample: list[Any] | None = None,
) -> Load | WrkLoad:
    """Start a server on the database at `url` (the API unless `command`), and drive the listing at it;
    the first page's products go into `sample` when given."""
    async with (
        server.running(url, workers=args.workers, command=command, env=env) as running,
        http_client(running.url, args.concurrency) as client,
    ):
        if sample is not None:
            sample.extend((await post(client, LISTING, {"first": args.first}))["products"]["edges"])
        if args.search:
            return await measure(client, running.url, SEARCH, _searches(args.first), args)
        return await measure(client, running.url, LISTING, [{"first": args.first}], args)


def _searches(first: int) -> list[dict[str, Any]]:
    return [{"first": first, "search": text} for text in SEARCHES]


async def statements(url: str, first: int, report: Report, search: bool) -> None:
    """Statements per request at the bench's page size and at the largest, to show they stay constant."""
    for size in sorted({first, 100}):
        requests = [(SEARCH, v) for v in _searches(size)] if search else [(LISTING, {"first": size})] * 5
        count = await statements_per_request(url, requests)
        report.figure("statements_per_request", round(count, 2), first=size)


async def run(args: argparse.Namespace, report: Report) -> int:
    async with reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as db:
        report.context["first"] = args.first
        report.context["search"] = list(SEARCHES) if args.search else None
        say(f"listing{' --search' if args.search else ''}: API, concurrency {args.concurrency}")
        api_page: list[Any] = []
        api = await load(db.url, args, sample=api_page)
        api.report(report, target="api")
        if not args.no_floor and not args.search:
            say(f"listing: raw-SQL floor, concurrency {args.concurrency}")
            floor_page: list[Any] = []
            base = await load(
                db.url,
                args,
                command=floor.floor_command(),
                env=server.server_env(db.url, FLOOR_DATABASE_URL=db.url),
                sample=floor_page,
            )
            base.report(report, target="floor")
            if floor_page != api_page:  # the ratio only means something if both serve the same page
                say(f"the floor's page differs from the API's:\n{floor_page[:1]}\n{api_page[:1]}")
            report.figure("floor_matches_api", floor_page == api_page)
            report.figure("api_over_floor", round(api.rate / base.rate, 3) if base.rate else None)
        await statements(db.url, args.first, report, args.search)
    return 1 if api.errors else 0
