"""`omnishop serve --workers 2` with `METRICS=true`: every scrape reports every worker's requests
(prometheus-client's multiprocess mode, in a directory `serve` makes and removes), here on the
metrics' own port (`METRICS_PORT`, served by `serve`'s own process) behind `METRICS_TOKEN`."""

from __future__ import annotations

import glob
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
QUERY = {"query": "query Channels { channels { slug } }"}
REQUESTS = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def counted(text: str) -> tuple[float, float]:
    """(operations named Channels, /graphql requests timed) in a scrape."""
    operations = requests = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "omnishop_graphql_operations_total" and s.labels.get("operation") == "Channels":
                operations += s.value
            if s.name == "omnishop_http_request_duration_seconds_count" and s.labels.get("path") == "/graphql":
                requests += s.value
    return operations, requests


def test_two_workers_report_all_their_requests_on_the_metrics_port(tmp_path: Path) -> None:
    port, metrics_port = free_port(), free_port()
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "omnishop-metrics-*")))
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
        "SECRET_KEY": "k" * 48,
        "METRICS": "true",
        "METRICS_PORT": str(metrics_port),
        "METRICS_TOKEN": "scrape-token",
        "RATE_LIMIT": "false",
        "RESPONSE_CACHE": "false",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-c", "from api.cli import app; app()", "serve", "--port", str(port), "--workers", "2"]
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                if httpx.get(url + "/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.1)
        time.sleep(1)  # both workers up
        for _ in range(REQUESTS):  # a connection each, so both workers take some
            assert httpx.post(url + "/graphql", json=QUERY, headers={"Connection": "close"}).status_code == 200
        made = set(glob.glob(os.path.join(tempfile.gettempdir(), "omnishop-metrics-*"))) - before
        assert len(made) == 1
        writers = {name.rsplit("_", 1)[-1] for name in os.listdir(made.pop()) if name.startswith("counter_")}
        assert len(writers) == 2, writers  # each worker wrote its own file
        assert httpx.get(url + "/metrics").status_code == 404  # not on the API's port
        scrapes = f"http://127.0.0.1:{metrics_port}/metrics"
        assert httpx.get(scrapes).status_code == 401
        scrape = httpx.get(scrapes, headers={"Authorization": "Bearer scrape-token"})
        assert counted(scrape.text) == (REQUESTS, REQUESTS)
    finally:
        server.terminate()
        server.wait(30)
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "omnishop-metrics-*"))) == before  # removed
