"""The bench harness still works: `python -m bench listing --sqlite` for a second prints JSON figures.

Not a timing test (timings live in the benches): it only checks that the harness starts the server,
seeds, drives load, runs the floor and counts statements, and that every line on stdout is a figure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL_AND_QUICK = [
    "--sqlite",
    "--products",
    "30",
    "--concurrency",
    "2",
    "--requests",
    "20",
    "--warmup",
    "2",
    "--first",
    "5",
]
BENCH = [sys.executable, "-m", "bench", "listing", *SMALL_AND_QUICK]


def listing_bench(*options: str) -> dict[tuple[str, str | None, int | None], object]:
    """Run `python -m bench listing` small and quick on SQLite; its figures by (metric, target, first)."""
    done = subprocess.run(
        [*BENCH, *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = [json.loads(line) for line in done.stdout.splitlines()]
    assert all({"bench", "metric", "value", "commit"} <= f.keys() for f in figures)
    return {(f["metric"], f.get("target"), f.get("first")): f["value"] for f in figures}


def test_the_listing_bench_prints_one_json_figure_per_line() -> None:
    by_metric = listing_bench()
    assert by_metric[("requests", "api", 5)] == by_metric[("requests", "floor", 5)] == 20
    assert by_metric[("errors", "api", 5)] == by_metric[("errors", "floor", 5)] == 0
    assert by_metric[("requests_per_s", "api", 5)] > 0
    assert by_metric[("statements_per_request", None, 5)] > 0
    assert by_metric[("api_over_floor", None, 5)] > 0


CLIENT_DOCUMENT = """fragment Price on Money { amount currency __typename }
query Other { channels { slug } }
query Listing($first: Int, $channel: String) {
  products(first: $first, channel: $channel) {
    edges { node { id name __typename variants { sku price(channel: $channel) { ...Price } __typename } } }
  }
}"""


def test_the_listing_bench_sends_a_clients_document_and_tags_its_figures(tmp_path: Path) -> None:
    document = tmp_path / "client.graphql"
    document.write_text(CLIENT_DOCUMENT)
    variables = '{"first": 4, "channel": "online"}'
    options = ["--sqlite", "--products", "30", "--concurrency", "2", "--requests", "10", "--warmup", "2"]
    chosen = ["--document", str(document), "--operation", "Listing", "--variables", variables]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "listing", *options, *chosen],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = [json.loads(line) for line in done.stdout.splitlines()]
    measured = [f for f in figures if f["metric"] != "seed_rows_per_s"]
    assert all(
        f["document"] == "client.graphql" and f["operation"] == "Listing" and f["variables"] == variables
        for f in measured
    )
    by_metric = {(f["metric"], f.get("target"), f.get("first")): f["value"] for f in measured}
    assert by_metric[("requests", "api", 4)] == 10 and by_metric[("errors", "api", 4)] == 0
    assert by_metric[("floor_matches_api", None, 4)] is True  # the same products, by id
    assert by_metric[("statements_per_request", None, 4)] == by_metric[("statements_per_request", None, 100)]


def test_the_search_bench_searches_without_the_floor() -> None:
    by_metric = listing_bench("--search")
    assert by_metric[("requests", "api", 5)] == 20 and by_metric[("errors", "api", 5)] == 0
    assert ("requests", "floor", 5) not in by_metric
