"""`metrics-overhead`: what `METRICS=true` costs, counted and timed side by side, and whether /metrics
agrees with the bench.

Counted: the CPU instructions one process spends per listing page and per checkout, with the metrics
off and on (prometheus-client's multiprocess mode, as `serve` runs it), under valgrind's callgrind
(bench/metrics_cpu.py): a count that does not move with the machine's load, where timings here move
by ±15 %. The checkouts run on a throwaway copy of the reference database. Without valgrind
(`--cpu process`) the process's CPU seconds stand in, noisier.

Timed: `--rounds` rounds of the listing bench (`serve --workers 2` by default, wrk), with and without
`METRICS`, interleaved and each round in the other order, so that a drift of the machine's load falls
on both. In each metrics run /metrics is read after the warm-up and after the load: the `/graphql`
requests it counted and their mean latency are printed beside the bench's own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from asyncio.subprocess import DEVNULL, PIPE
from pathlib import Path
from typing import Any

import orjson

from api.metrics_port import MULTIPROC_ENV
from bench import server, wrk
from bench.database import Target, reference, scratch_copy
from bench.flash_sale import copy_cart, sellable_variants, stock_only_at
from bench.graph import ADDRESS, CART_CREATE, FULFIL, LISTING, body, graphql_sender, http_client, uses_wrk
from bench.harness import ROOT, Report, drive, say
from bench.metrics_cpu import READY, WARMUP
from bench.statements import probe
from schema.relay import decode_token, to_global_id

PAGES = ("listing", "checkout")
CALLGRIND = (
    "valgrind",
    "--tool=callgrind",
    "--instr-atstart=no",  # the imports and the start-up at valgrind's uninstrumented speed
    "--zero-before=getloadavg",
    "--dump-before=ctermid",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(workers=2, duration=10.0)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds, each with and without the metrics")
    parser.add_argument("--count", type=int, default=20, help="listing pages and checkouts counted in-process")
    parser.add_argument("--repeat", type=int, default=1, help="in-process runs with and without the metrics")
    parser.add_argument(
        "--cpu",
        choices=("callgrind", "process", "none"),
        default="callgrind" if shutil.which("valgrind") else "process",
        help="how the in-process requests' CPU is counted: callgrind's instructions, the process's CPU "
        "seconds, or not at all",
    )
    parser.add_argument("--first", type=int, default=20, help="products on the listing's page")


async def ready_cart(url: str, variant: int) -> str:
    """A guest's cart of one `variant`, to be delivered: the template of the carts checked out."""
    async with probe(url) as client:
        line = {"lines": [{"variantId": to_global_id("ProductVariant", variant), "quantity": 1}]}
        cart = (await client.post(CART_CREATE, {"input": line}))["cartCreate"]["cart"]["id"]
        await client.post(FULFIL, {"id": cart, "input": {"method": "DELIVERY", "address": ADDRESS}})
    return str(decode_token(cart, "Cart"))


def _summary(dump: Path) -> int:
    for line in dump.read_text().splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise RuntimeError(f"no summary in {dump}")


async def cpu_of(url: str, carts: list[str], metrics: bool, args: argparse.Namespace) -> dict[str, float]:
    """Per page: the instructions (or CPU seconds) of `args.count` requests in one process."""
    with tempfile.TemporaryDirectory(prefix="omnishop-overhead-") as tmp:
        work = Path(tmp)
        (work / "carts.json").write_bytes(orjson.dumps(carts))
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}
        env.pop(MULTIPROC_ENV, None)
        if metrics:
            (work / "metrics").mkdir()
            env[MULTIPROC_ENV] = str(work / "metrics")
        out = work / "callgrind.out"
        log = work / "valgrind.log"
        command = [*CALLGRIND, f"--callgrind-out-file={out}", f"--log-file={log}"] if args.cpu == "callgrind" else []
        command += [sys.executable, "-m", "bench.metrics_cpu", url, str(work / "carts.json")]
        command += ["--listing", str(args.count), "--first", str(args.first), *(["--metrics"] if metrics else [])]
        process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env, stdin=PIPE, stdout=PIPE)
        assert process.stdin is not None and process.stdout is not None
        lines = []
        async for raw in process.stdout:
            lines.append(raw.decode())
            if raw.startswith(READY.encode()):
                if args.cpu == "callgrind":
                    pid = raw.split()[1].decode()
                    turned = await asyncio.create_subprocess_exec(
                        "callgrind_control", "--instr=on", pid, stdout=DEVNULL, stderr=DEVNULL
                    )
                    if await turned.wait() != 0:
                        raise RuntimeError(f"callgrind_control could not turn the instrumentation on in {pid}")
                process.stdin.write(b"go\n")
                await process.stdin.drain()
        if await process.wait() != 0:
            said = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"the in-process run failed ({process.returncode}): {''.join(lines)[-2000:]}{said}")
        if args.cpu == "callgrind":
            return {page: _summary(Path(f"{out}.{part}")) for part, page in enumerate(PAGES, 1)}
        spent: dict[str, float] = orjson.loads(lines[-1])["cpu_seconds"]
        return spent


async def counted(ref: Target, args: argparse.Namespace, report: Report) -> None:
    """Instructions per request with the metrics off and on (`--repeat` times each, in turn), and what
    the metrics add, from the medians."""
    unit = "instructions" if args.cpu == "callgrind" else "cpu_us"
    scale = 1.0 if args.cpu == "callgrind" else 1e6
    per: dict[bool, dict[str, list[float]]] = {False: {p: [] for p in PAGES}, True: {p: [] for p in PAGES}}
    async with scratch_copy(ref) as db:
        hot, _ = await sellable_variants(db.url)
        await stock_only_at(db.url, {hot: 2 * args.repeat * (args.count + WARMUP) + 10})
        template = await ready_cart(db.url, hot)
        for n in range(args.repeat):
            for metrics in (False, True) if n % 2 == 0 else (True, False):
                say(f"metrics-overhead: {args.count} listing pages and checkouts in one process, metrics {metrics}")
                carts = await copy_cart(db.url, template, hot, args.count + WARMUP)
                for page, spent in (await cpu_of(db.url, carts, metrics, args)).items():
                    per[metrics][page].append(spent * scale / args.count)
                    report.figure(
                        f"{unit}_per_request", round(per[metrics][page][-1]), page=page, metrics=metrics, run=n + 1
                    )
    for page in PAGES:
        off, on = (statistics.median(per[m][page]) for m in (False, True))
        report.figure("cpu_overhead_pct", round(100 * (on - off) / off, 2), page=page, unit=unit)


async def timed_run(url: str, args: argparse.Namespace, metrics: bool) -> dict[str, Any]:
    """One run of the listing with or without the metrics: the bench's figures and, with them, /metrics'."""
    env = server.server_env(url, **{server.METRICS_ENV: "true" if metrics else "false"})
    page = {"first": args.first}
    async with (
        server.running(url, workers=args.workers, env=env) as api,
        http_client(api.url, args.concurrency) as client,
    ):
        send = graphql_sender(client, LISTING, lambda _i: page)
        await drive(send, concurrency=args.concurrency, duration=0, requests=args.warmup)
        before = await server.graphql_totals(api.url) if metrics else (0.0, 0.0)
        if uses_wrk(args):
            load: Any = await wrk.drive(
                api.url + "/graphql", [body(LISTING, page)], concurrency=args.concurrency, duration=args.duration
            )
        else:
            load = await drive(send, concurrency=args.concurrency, duration=args.duration, requests=args.requests)
        found = {"requests_per_s": load.rate, "p50_ms": 1000 * load.quantile(50), "mean_ms": 1000 * load.mean}
        found.update(requests=load.requests, errors=load.errors)
        if metrics:
            await asyncio.sleep(0.5)  # requests wrk left in flight at its deadline finish
            count, seconds = (a - b for a, b in zip(await server.graphql_totals(api.url), before, strict=True))
            found.update(
                metrics_requests=count,
                metrics_requests_per_s=count / load.elapsed,
                metrics_mean_ms=1000 * seconds / count if count else None,
                # what the server answered after the bench stopped counting (wrk leaves up to
                # `concurrency` requests in flight at its deadline): between 0 and the concurrency
                metrics_minus_bench_requests=count - load.requests,
            )
    return found


async def timed(ref: Target, args: argparse.Namespace, report: Report) -> int:
    """Interleaved rounds with and without the metrics, the medians side by side; the failed requests."""
    runs: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for n in range(args.rounds):
        for metrics in (False, True) if n % 2 == 0 else (True, False):
            say(f"metrics-overhead: listing round {n + 1}/{args.rounds}, metrics {metrics}")
            found = await timed_run(ref.url, args, metrics)
            runs[metrics].append(found)
            for name, value in found.items():
                report.figure(
                    name, round(value, 2) if isinstance(value, float) else value, round=n + 1, metrics=metrics
                )
    medians = {
        m: {k: statistics.median(r[k] for r in rs) for k in ("requests_per_s", "p50_ms")} for m, rs in runs.items()
    }
    for metrics, figures in medians.items():
        for name, value in figures.items():
            report.figure(f"median_{name}", round(value, 2), metrics=metrics)
    off, on = medians[False]["requests_per_s"], medians[True]["requests_per_s"]
    report.figure("rate_overhead_pct", round(100 * (off - on) / off, 2) if off else None)
    return sum(r["errors"] for rs in runs.values() for r in rs)


async def run(args: argparse.Namespace, report: Report) -> int:
    report.context.pop("metrics", None)  # both ways, whatever --metrics says
    report.context.update(first=args.first, cpu=args.cpu, count=args.count, rounds=args.rounds)
    async with reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as ref:
        if args.cpu != "none":
            await counted(ref, args, report)
        errors = await timed(ref, args, report) if args.rounds else 0
    return 1 if errors else 0
