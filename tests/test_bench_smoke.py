"""The bench harness still works: `python -m bench listing --sqlite` for a second prints JSON figures.

Not a timing test (timings live in the benches): it only checks that the harness starts the server,
seeds, drives load, runs the floor and counts statements, and that every line on stdout is a figure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from standardwebhooks.webhooks import Webhook as Signer

from bench.webhooks import Receiver

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


def bench_figures(argv: list[str], timeout: float = 60) -> list[dict[str, Any]]:
    """Run a bench; the figures it printed, each checked to be one."""
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = [json.loads(line) for line in done.stdout.splitlines()]
    assert all({"bench", "metric", "value", "commit"} <= f.keys() for f in figures)
    return figures


def listing_bench(*options: str) -> dict[tuple[str, str | None, int | None], object]:
    """Run `python -m bench listing` small and quick on SQLite; its figures by (metric, target, first)."""
    figures = bench_figures([*BENCH, *options])
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


def test_the_scale_bench_measures_a_clients_listing_on_both_data_sets(tmp_path: Path) -> None:
    document = tmp_path / "client.graphql"
    document.write_text(CLIENT_DOCUMENT)
    small = ["--products", "30", "--members", "20", "--orders", "40"]
    large = ["--large", "60", "--large-members", "40", "--large-orders", "80"]
    chosen = ["--document", str(document), "--operation", "Listing", "--variables", '{"first": 4, "channel": "online"}']
    quick = ["--sqlite", "--requests", "10", "--warmup", "2"]
    figures = bench_figures([sys.executable, "-m", "bench", "scale", *quick, *small, *large, *chosen], timeout=120)
    ratios = {f["page"] for f in figures if f["metric"] == "p95_large_over_small"}
    assert ratios == {"listing", "detail", "me_orders", "member_lookup"}
    assert {f["document"] for f in figures} == {"client.graphql"}


def test_the_search_bench_searches_without_the_floor() -> None:
    by_metric = listing_bench("--search")
    assert by_metric[("requests", "api", 5)] == 20 and by_metric[("errors", "api", 5)] == 0
    assert ("requests", "floor", 5) not in by_metric


def test_the_metrics_overhead_bench_counts_both_ways_and_metrics_agree_with_the_bench() -> None:
    small = ["--cpu", "process", "--count", "3", "--rounds", "1", "--workers", "1", *SMALL_AND_QUICK]
    figures = bench_figures([sys.executable, "-m", "bench", "metrics-overhead", *small], timeout=240)
    by = {(f["metric"], f.get("page"), f.get("metrics")): f["value"] for f in figures}
    for page in ("listing", "checkout"):
        assert by[("cpu_us_per_request", page, False)] > 0 and by[("cpu_us_per_request", page, True)] > 0
        assert ("cpu_overhead_pct", page, None) in by
    assert by[("requests", None, True)] == by[("requests", None, False)] == 20
    assert by[("metrics_requests", None, True)] == 20  # every request the bench made, none other
    assert by[("metrics_minus_bench_requests", None, True)] == 0
    assert by[("rate_overhead_pct", None, None)] is not None


def test_the_webhooks_bench_hears_of_every_change_from_two_workers() -> None:
    options = ["--sqlite", "--products", "30", "--changes", "10", "--rate", "20", "--burst", "10", "--warmup", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "bench", "webhooks", *options, "--wait", "20"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(f["workers"] == 2 for f in figures)
    by_metric = {(f["metric"], f.get("phase")): f["value"] for f in figures}
    for phase in ("rate", "burst"):
        assert (by_metric[("delivered", phase)], by_metric[("missing", phase)]) == (10, 0)
        assert by_metric[("change_errors", phase)] == 0 and by_metric[("deliveries_per_s", phase)] > 0
        p50, p95, p99 = (by_metric[(f"latency_p{q}_ms", phase)] for q in (50, 95, 99))
        assert p50 <= p95 <= p99
    assert by_metric[("bad_signatures", None)] == 0


SECRET = "whsec_" + "QmVuY2ggcmVjZWl2ZXIgc2VjcmV0IQ=="


def delivery(message: str, product: str, secret: str = SECRET) -> tuple[dict[str, str], bytes]:
    content = orjson.dumps({"event": "PRODUCT_UPDATED", "data": {"product": {"id": product}}})
    now = datetime.now(UTC)
    signature = Signer(secret).sign(message, now, content.decode())
    return {"webhook-id": message, "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}, (
        content
    )


def test_the_webhooks_benchs_receiver_counts_what_its_verdict_needs() -> None:
    receiver = Receiver(verifier=Signer(SECRET))
    receiver.expect(["P1", "P2"])
    receiver.receive(1.0, *delivery("msg_1", "P1"))
    receiver.receive(2.0, *delivery("msg_1", "P1"))  # the same delivery again
    headers, content = delivery("msg_2", "P2")
    receiver.receive(3.0, headers, content.replace(b"P2", b"P3"))  # changed on the way
    receiver.receive(4.0, *delivery("msg_3", "P2", secret="whsec_" + "T3RoZXIgc2VjcmV0IQ=="))  # not our secret
    receiver.receive(5.0, *delivery("msg_4", "P9"))  # no change of this phase
    assert receiver.arrived == {"P1": 1.0}
    assert (receiver.duplicates, receiver.bad_signatures, receiver.stray) == (1, 2, 1)
    receiver.receive(6.0, *delivery("msg_5", "P2"))
    assert receiver.arrived == {"P1": 1.0, "P2": 6.0}


def test_the_checkout_profile_counts_calls_and_statements_of_placed_and_refused_checkouts() -> None:
    options = ["--sqlite", "--products", "30", "--checkouts", "5", "--refused", "2", "--top", "3"]
    figures = bench_figures([sys.executable, "-m", "bench", "checkout-profile", *options], timeout=120)
    by_metric = {(f["metric"], f.get("outcome")): f["value"] for f in figures}
    for outcome in ("placed", "refused"):
        calls = by_metric[("python_calls_per_checkout", outcome)]
        packages = by_metric[("python_calls_per_checkout_by_package", outcome)]
        assert calls > 0 and abs(sum(packages.values()) - calls) <= len(packages)  # each rounded on its own
        assert by_metric[("statements_per_checkout", outcome)] > 0
    assert by_metric[("statements_per_checkout", "refused")] < by_metric[("statements_per_checkout", "placed")]


def test_the_flash_sale_sends_a_clients_checkout_with_each_buyers_cart_and_key() -> None:
    small = [
        "--sqlite",
        "--products",
        "30",
        "--buyers",
        "12",
        "--units",
        "5",
        "--concurrency",
        "3",
        "--client",
        "httpx",
    ]
    client = ["--document", "tests/clients/storefront.graphql", "--operation", "Checkout"]
    variables = '{"cartId": "<id>", "key": "<uuid>"}'
    figures = bench_figures([sys.executable, "-m", "bench", "flash-sale", *small, *client, "--variables", variables])
    measured = {f["metric"]: f for f in figures if f["metric"] != "seed_rows_per_s" and "step" not in f}
    assert all(f["operation"] == "Checkout" and f["variables"] == variables for f in measured.values())
    assert measured["outcomes"]["value"] == {"OK": 5, "INSUFFICIENT_STOCK": 7}  # one cart and key per buyer
    assert measured["orders"]["value"] == measured["reserved"]["value"] == measured["on_hand"]["value"] == 5
