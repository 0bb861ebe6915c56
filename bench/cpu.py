"""`cpu`: what one listing request costs the server's process, in counts that do not depend on the
machine's load: Python function calls per request (cProfile) and, run under callgrind, instructions.

The app runs in this process (frozen by the collector as a worker is, `api.app.app_from_env`) and
is called as an ASGI application, without a socket or an HTTP client, on the reference database:
`--warmup` requests, then `--requests` counted ones. Timings on a shared machine move by a fifth
within the hour; these counts move by a percent or two (background loops, the channel cache's
refresh), so they compare commits run at different times. Beside them, the garbage collector's passes
per request and the thread CPU time they took (`gc.callbacks`), with the worker's young threshold
(`GC_YOUNG_THRESHOLD`; set it to 700, Python's default, to compare).

    valgrind --tool=callgrind --instr-atstart=no python -m bench cpu --callgrind [...]

counts instructions from the first counted request to the last (`callgrind_control` switches the
instrumentation on and off around them) and prints `instructions_per_request`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import secrets
import subprocess
import time
from typing import Any

import orjson
from pydantic import SecretStr

from api.app import create_app, settle_collector
from api.settings import Settings
from bench.database import reference
from bench.documents import Document, add_document_options, chosen
from bench.graph import LISTING
from bench.harness import Report, say
from db.engine import create_engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(requests=50, warmup=20)
    parser.add_argument("--first", type=int, default=50, help="products on the page")
    parser.add_argument("--callgrind", action="store_true", help="under valgrind: count instructions")
    add_document_options(parser)


class AsgiCaller:
    """Sends one body to the app's `/graphql` as an ASGI call and returns the answer's bytes."""

    def __init__(self, app: Any, body: bytes) -> None:
        self.app, self.body = app, body
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"bench"), (b"content-type", b"application/json")],
            "client": ("127.0.0.1", 1),
            "server": ("bench", 80),
        }

    async def __call__(self) -> bytes:
        sent, chunks = False, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": self.body, "more_body": False}
            await asyncio.Event().wait()  # no disconnect while the answer is written
            return {}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(dict(self.scope), receive, send)
        return b"".join(chunks)


class Collector:
    """A `gc.callbacks` entry: the collector's passes and the thread CPU time they took (not the wall
    time, which other processes on a shared machine stretch)."""

    def __init__(self) -> None:
        self.passes, self.cpu, self.started = 0, 0.0, 0.0

    def __call__(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self.started = time.thread_time()
        else:
            self.passes += 1
            self.cpu += time.thread_time() - self.started


def callgrind(switch: str) -> None:
    """Switch callgrind's instrumentation of this process `on` or `off` (the process runs under valgrind)."""
    subprocess.run(["callgrind_control", "--instr=" + switch, str(os.getpid())], check=True, capture_output=True)


async def count(url: str, page: Document, args: argparse.Namespace, report: Report) -> None:
    engine = create_engine(url)
    settings = Settings(
        database_url=url,
        secret_key=SecretStr(secrets.token_urlsafe(48)),
        rate_limit=False,
        response_cache=False,
        _env_file=None,
    )
    app = create_app(settings, engine=engine)
    settle_collector(settings)  # as a worker's (api/app.py `app_from_env`)
    collector = Collector()
    body = orjson.dumps({"query": page.text, "variables": page.variables, "operationName": page.operation})
    call = AsgiCaller(app, body)
    try:
        async with app.router.lifespan_context(app):
            for _ in range(args.warmup):
                answer = await call()
            if b'"errors"' in answer:
                raise SystemExit(f"the request failed: {answer[:500]!r}")
            n = args.requests
            if args.callgrind:
                callgrind("on")
            profile = None if args.callgrind else cProfile.Profile()
            started = time.process_time()
            gc.callbacks.append(collector)
            if profile is not None:
                profile.enable()
            for _ in range(n):
                await call()
            if profile is not None:
                profile.disable()
            gc.callbacks.remove(collector)
            cpu = time.process_time() - started
            if args.callgrind:
                callgrind("off")
                say(f"instructions per request: valgrind's `Collected` figure over {n}")
            else:
                calls = sum(s[1] for s in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]
                report.figure("python_calls_per_request", round(calls / n))
            report.figure("cpu_ms_per_request", round(1000 * cpu / n, 2), profiled=profile is not None)
            young = gc.get_threshold()[0]
            report.figure("gc_passes_per_request", round(collector.passes / n, 3), young_threshold=young)
            report.figure("gc_cpu_ms_per_request", round(1000 * collector.cpu / n, 3), profiled=profile is not None)
            report.figure("answer_bytes", len(answer))
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace, report: Report) -> int:
    page = chosen(args, LISTING, {"first": args.first}, report)
    async with reference(args.products, sqlite=args.sqlite, fresh=args.fresh, report=report) as db:
        await count(db.url, page, args, report)
    return 0
