"""`startup`: from launching `omnishop serve` to its first successful answer of `{ __typename }` (and of
GET /health/ready), median of several starts, with the resident memory of each worker once it answers.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import tempfile
import time

import httpx

from bench import server
from bench.database import reference
from bench.harness import ROOT, Report, say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--starts", type=int, default=5, help="how many starts to take the median of")


async def first_answers(url: str, process: subprocess.Popen[bytes], started: float) -> tuple[float, float]:
    """Seconds from `started` until /health/ready and `{ __typename }` first answered 200."""
    ready = typename = None
    async with httpx.AsyncClient(base_url=url, timeout=2.0) as client:
        while ready is None or typename is None:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with status {process.returncode}")
            if time.perf_counter() - started > server.READY_TIMEOUT:
                raise RuntimeError(f"the server did not answer within {server.READY_TIMEOUT:.0f} s")
            try:
                if (
                    typename is None
                    and (
                        await client.post(
                            "/graphql", content=server.TYPENAME, headers={"Content-Type": "application/json"}
                        )
                    ).status_code
                    == 200
                ):
                    typename = time.perf_counter() - started
                if ready is None and (await client.get("/health/ready")).status_code == 200:
                    ready = time.perf_counter() - started
            except httpx.TransportError:
                await asyncio.sleep(0.005)
    return typename, ready


async def one_start(url: str, workers: int) -> tuple[float, float, list[float]]:
    port = server.free_port()
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = server.launch(server.serve_command(port, workers), server.server_env(url), log)
        try:
            typename, ready = await first_answers(f"http://127.0.0.1:{port}", process, started)
            rss = server.Server(f"http://127.0.0.1:{port}", process, ROOT).rss_mib()
        except BaseException:
            log.seek(0)
            say(log.read().decode(errors="replace")[-4000:])
            raise
        finally:
            server.stop(process)
    return typename, ready, rss


async def run(args: argparse.Namespace, report: Report) -> int:
    report.context.pop("concurrency")
    async with reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as db:
        runs = []
        for n in range(args.starts):
            runs.append(await one_start(db.url, args.workers))
            say(f"startup {n + 1}/{args.starts}: {runs[-1][0]:.2f} s")
    report.figure("typename_s", round(statistics.median(r[0] for r in runs), 3), starts=args.starts)
    report.figure("ready_s", round(statistics.median(r[1] for r in runs), 3), starts=args.starts)
    rss = runs[-1][2]  # the supervisor first, then its workers when there are several
    report.figure("rss_per_worker_mib", max(rss[1:] or rss) if rss else None, processes=rss)
    return 0
