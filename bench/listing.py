"""`listing`: the storefront's first product page (price, stock, category, variants) as an anonymous
client, and beside it, in the same run and at the same concurrency, the raw-SQL floor serving the
same rows; the ratio of the two throughputs is the figure to watch. `--document` sends a client's
listing instead (bench/documents.py); the floor serves its own page of the same size.

`listing --search`: the same page for the searches of `bench.graph.SEARCHES` in turn, ranked by
relevance (the floor does not search, so it is left out).
"""

from __future__ import annotations

import argparse
from typing import Any

from bench import floor, server
from bench.database import reference
from bench.documents import Document, add_document_options, chosen
from bench.graph import LISTING, SEARCH, SEARCHES, http_client, measure, post
from bench.harness import Load, Report, say
from bench.statements import per_request
from bench.wrk import WrkLoad


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--first", type=int, default=20, help="products on the page (QUALITY.md's bar uses 50)")
    parser.add_argument("--no-floor", action="store_true", help="skip the raw-SQL floor")
    parser.add_argument("--search", action="store_true", help="search the catalogue (bench.graph.SEARCHES) instead")
    add_document_options(parser)


def _requests(page: Document, size: int, search: bool) -> tuple[str, list[dict[str, Any]]]:
    """The document and the variables sets the bench sends for a page of `size`."""
    if search:
        return SEARCH, [{"first": size, "search": text} for text in SEARCHES]
    return page.text, [{**page.variables, "first": size}]


async def load(
    url: str,
    args: argparse.Namespace,
    page: Document,
    *,
    command: list[str] | None = None,
    env: dict[str, str] | None = None,
    sample: list[Any] | None = None,
) -> Load | WrkLoad:
    """Start a server on the database at `url` (the API unless `command`), and drive the listing at it
    (the floor reads `first` from the same body); the first page's products go into `sample` when given
    (their ids for a client's document, whose nodes are not the floor's)."""
    async with (
        server.running(url, workers=args.workers, command=command, env=env) as running,
        http_client(running.url, args.concurrency) as client,
    ):
        if sample is not None:
            edges = (await post(client, page.text, page.variables, page.operation))["products"]["edges"]
            sample.extend(edges if args.document is None else [e["node"]["id"] for e in edges])
        text, variables = _requests(page, page.variables["first"], args.search)
        measured = await measure(client, running.url, text, variables, args, page.operation)
        if getattr(args, "metrics", False) and command is None:
            count, mean_ms = await server.served_requests(running.url)
            say(f"/metrics counted {count:.0f} /graphql requests (warm-up included), mean {mean_ms} ms")
        return measured


async def statements(url: str, page: Document, report: Report, search: bool) -> None:
    """Statements (and fields graphql-core resolves) per request at the page's size and at the largest,
    to show the statements stay constant."""
    for size in sorted({page.variables["first"], 100}):
        text, variables = _requests(page, size, search)
        requests = [(text, v) for v in variables] * (1 if search else 5)
        counted = await per_request(url, requests, operation=page.operation)
        report.figure("statements_per_request", round(counted.statements, 2), first=size)
        report.figure("graphql_core_fields_per_request", round(counted.graphql_core_fields, 1), first=size)


async def run(args: argparse.Namespace, report: Report) -> int:
    page = chosen(args, LISTING, {"first": args.first}, report)
    if not isinstance(page.variables.get("first"), int):
        raise SystemExit("the listing's variables need `first`, the page size (the floor serves as many)")
    if args.search and args.document is not None:
        raise SystemExit("--search sends the bench's own search page: leave out --document")
    async with reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as db:
        report.context["first"] = page.variables["first"]
        report.context["search"] = list(SEARCHES) if args.search else None
        say(f"listing{' --search' if args.search else ''}: API, concurrency {args.concurrency}")
        api_page: list[Any] = []
        api = await load(db.url, args, page, sample=api_page)
        api.report(report, target="api")
        if not args.no_floor and not args.search:
            say(f"listing: raw-SQL floor, concurrency {args.concurrency}")
            floor_page: list[Any] = []
            base = await load(
                db.url,
                args,
                page,
                command=floor.floor_command(),
                env=server.server_env(db.url, FLOOR_DATABASE_URL=db.url),
                sample=floor_page,
            )
            base.report(report, target="floor")
            if floor_page != api_page:  # the ratio only means something if both serve the same page
                say(f"the floor's page differs from the API's:\n{floor_page[:1]}\n{api_page[:1]}")
            report.figure("floor_matches_api", floor_page == api_page)
            report.figure("api_over_floor", round(api.rate / base.rate, 3) if base.rate else None)
        await statements(db.url, page, report, args.search)
    return 1 if api.errors else 0
