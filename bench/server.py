"""The server under test, started as a client would find it: `omnishop serve` in its own process.

Running it apart from the load generator keeps the two from sharing one event loop, and lets
`--workers N` be measured as deployed. Its output goes to a log file that is shown if it fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from bench.harness import ROOT, say

READY_TIMEOUT = 60.0
TYPENAME = b'{"query":"{ __typename }"}'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_command(port: int, workers: int) -> list[str]:
    """`omnishop serve` from this virtualenv (or the same through `python -c` when the script is missing)."""
    script = shutil.which("omnishop", path=str(Path(sys.executable).parent))
    head = [script] if script else [sys.executable, "-c", "from api.cli import app; app()"]
    return [*head, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


CACHE_ENV = "RESPONSE_CACHE"  # `--cache` turns the server's response cache on
METRICS_ENV = "METRICS"  # `--metrics` turns the server's /metrics on


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The server's environment: the bench database, a throwaway key, quiet logs, and no per-caller rate
    limit (every bench request comes from one address, and the limit is not what is measured)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT": "false",
        "PYTHONUNBUFFERED": "1",
        CACHE_ENV: os.environ.get(CACHE_ENV, "false"),
        METRICS_ENV: os.environ.get(METRICS_ENV, "false"),
        **extra,
    }


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def rss_mib(self) -> list[float]:
        """Resident memory of the server process and its workers (Linux /proc), in MiB."""
        pids = [self.process.pid]
        with suppress(OSError):
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            pids += [int(p) for p in children]
        sizes = []
        for pid in pids:
            with suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes


async def wait_until_answering(url: str, process: subprocess.Popen[bytes], path: str = "/graphql") -> float:
    """Poll until `{ __typename }` (or GET `path` if not /graphql) answers 200; the time it took to get there."""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=2.0) as client:
        while time.perf_counter() - started < READY_TIMEOUT:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with status {process.returncode}")
            try:
                response = (
                    await client.post(path, content=TYPENAME, headers={"Content-Type": "application/json"})
                    if path == "/graphql"
                    else await client.get(path)
                )
                if response.status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.01)
    raise RuntimeError(f"the server did not answer within {READY_TIMEOUT:.0f} s")


def launch(argv: Sequence[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start a server process from the source tree, its output into `log`."""
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (uvicorn stops its workers), then SIGKILL if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@asynccontextmanager
async def running(
    database_url: str, *, workers: int = 1, command: Sequence[str] | None = None, env: dict[str, str] | None = None
) -> AsyncIterator[Server]:
    """Start the API (or `command`, which must listen on the port given as {port}) and wait until it answers."""
    port = free_port()
    argv = [part.format(port=port) for part in command] if command else serve_command(port, workers)
    with tempfile.NamedTemporaryFile(prefix="omnishop-bench-server-", suffix=".log", delete=False) as log:
        process = launch(argv, env or server_env(database_url), log)
    server = Server(f"http://127.0.0.1:{port}", process, Path(log.name))
    try:
        await wait_until_answering(server.url, process, path="/graphql" if command is None else "/health")
        yield server
    except BaseException:
        say(f"server log ({server.log}):\n{server.log.read_text()[-4000:]}")
        raise
    finally:
        stop(process)
        if process.returncode not in (0, -15, None):
            say(f"server stopped with status {process.returncode}; log: {server.log}")
        else:
            server.log.unlink(missing_ok=True)


def connections_per_process(url: str) -> list[int]:
    """The connections open to the server at `url`, counted by the process that accepted them, most
    first (from `ss`; empty where it is missing). With several workers this is how the load fell."""
    port = url.rsplit(":", 1)[1]
    with suppress(OSError):
        listed = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True, check=False
        ).stdout
        return sorted(Counter(re.findall(r"pid=(\d+)", listed)).values(), reverse=True)
    return []


async def widest_spread(url: str, every: float = 1.0) -> list[int]:
    """`connections_per_process` sampled until cancelled: the sample with the most connections."""
    widest: list[int] = []
    with suppress(asyncio.CancelledError):
        while True:
            counts = await asyncio.to_thread(connections_per_process, url)
            if sum(counts) > sum(widest):
                widest = counts
            await asyncio.sleep(every)
    return widest


async def served_requests(url: str) -> tuple[float, float]:
    """What the server's /metrics counted of `/graphql` (every worker's): requests, and their mean
    latency in milliseconds, to set beside what the bench measured."""
    count, seconds = await graphql_totals(url)
    return count, round(1000 * seconds / count, 2) if count else float("nan")


async def graphql_totals(url: str) -> tuple[float, float]:
    """The `/graphql` requests the server's /metrics counted (every worker's), and their seconds in all."""
    from prometheus_client.parser import text_string_to_metric_families

    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
        text = (await client.get("/metrics")).text
    found = {"count": 0.0, "sum": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("omnishop_http_request_duration_seconds_") and sample.labels.get("path") == (
                "/graphql"
            ):
                found[sample.name.rsplit("_", 1)[1]] = float(sample.value)
    return found["count"], found["sum"]
