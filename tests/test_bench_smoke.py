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


def test_the_search_bench_searches_without_the_floor() -> None:
    by_metric = listing_bench("--search")
    assert by_metric[("requests", "api", 5)] == 20 and by_metric[("errors", "api", 5)] == 0
    assert ("requests", "floor", 5) not in by_metric
