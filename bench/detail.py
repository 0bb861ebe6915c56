"""`detail`: one product by slug with everything a product page shows (category, prices, variants
and their stock), as an anonymous client, cycling over published products so that no single row
stays hot. `--document` sends a client's product page instead (bench/documents.py), its `slug`
variable cycling the same way.
"""

from __future__ import annotations

import argparse
import random

import sqlalchemy as sa

from bench import server
from bench.database import reference
from bench.documents import add_document_options, chosen
from bench.graph import DETAIL, http_client, measure
from bench.harness import Report, say
from bench.statements import per_request
from db.engine import create_engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(concurrency=1)
    parser.add_argument("--slugs", type=int, default=500, help="how many different products to ask for")
    add_document_options(parser)


async def published_slugs(url: str, count: int) -> list[str]:
    """Slugs of products published in the default channel, a fixed random sample."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            slugs = list(
                await conn.scalars(
                    sa.text(
                        "SELECT p.slug FROM products p JOIN product_channel_listings l ON l.product_id = p.id "
                        "JOIN channels c ON c.id = l.channel_id AND c.is_default WHERE l.is_published ORDER BY p.id"
                    )
                )
            )
    finally:
        await engine.dispose()
    return random.Random(8).sample(slugs, min(count, len(slugs)))


async def run(args: argparse.Namespace, report: Report) -> int:
    page = chosen(args, DETAIL, {}, report)
    async with reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as db:
        slugs = await published_slugs(db.url, args.slugs)
        variables = [{**page.variables, "slug": s} for s in slugs]
        say(f"detail: {len(slugs)} products, concurrency {args.concurrency}")
        async with (
            server.running(db.url, workers=args.workers) as api,
            http_client(api.url, args.concurrency) as client,
        ):
            result = await measure(client, api.url, page.text, variables, args, page.operation)
        result.report(report)
        counted = await per_request(db.url, [(page.text, v) for v in variables[:5]], operation=page.operation)
        report.figure("statements_per_request", round(counted.statements, 2))
        report.figure("graphql_core_fields_per_request", round(counted.graphql_core_fields, 1))
    return 1 if result.errors else 0
