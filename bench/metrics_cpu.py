"""One process serving the listing and checkouts in-process, for `metrics-overhead` to count its CPU.

`python -m bench.metrics_cpu URL CARTS_FILE --listing N [--metrics]` builds the app (`create_app`,
with `METRICS` as given and, with it, `PROMETHEUS_MULTIPROC_DIR` from the environment, as `serve`
sets it), warms it up, then sends N listing pages and one checkout per remaining cart of CARTS_FILE
(a JSON list of cart ids, ready to check out) through httpx's ASGI transport, one at a time.

After the warm-up it prints `READY <pid>` and waits for a line on stdin: run under `valgrind
--tool=callgrind --instr-atstart=no --zero-before=getloadavg --dump-before=ctermid`, the caller turns
the instrumentation on then (`callgrind_control -i on`, so that the imports and the start-up run at
valgrind's uninstrumented speed), the counters are zeroed before the listing (`os.getloadavg`) and
dumped after it and after the checkouts (`os.ctermid`): two dumps holding the instructions of exactly
those requests. Without valgrind the CPU seconds of each part are printed instead
(`time.process_time`), as JSON on stdout.

The background loops' periodic ticks are pushed a day apart: what they do on a timer would land in
the counts according to how long the run took, which valgrind stretches. What a request sets off is
counted: the outbox relay's and the report feed's passes after each checkout (one each; with the
metrics on, the relay counts its backlog at most once a second, which valgrind's slowness makes
about once per checkout, where a worker under load counts it once for many).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from pathlib import Path

import httpx
import orjson
from pydantic import SecretStr

from api.app import create_app, settle_collector
from api.settings import Settings
from bench.graph import CHECKOUT, LISTING, body

READY = "READY"  # printed with the pid after the warm-up; a line on stdin says go on
WARMUP = 5  # listing pages and checkouts before counting: caches, label children, first-statement costs
PAUSE = 0.5  # seconds after each checkout (valgrind's slow): one relay and feed pass each, not a varying few
TICK = 86400.0  # seconds between the background loops' own ticks: none while the bench runs


def settings(url: str, metrics: bool) -> Settings:
    """The bench's settings; the loops' intervals set past what the settings validate (`model_copy` does
    not), so that no tick lands in a count however long valgrind makes the run."""
    return Settings(
        database_url=url,
        secret_key=SecretStr(secrets.token_urlsafe(48)),
        metrics=metrics,
        rate_limit=False,
        response_cache=False,
        order_expiry_interval=0,
        log_level="WARNING",
        _env_file=None,
    ).model_copy(update={"events_interval": TICK, "reports_interval": TICK})


async def post(client: httpx.AsyncClient, content: bytes) -> None:
    response = await client.post("/graphql", content=content, headers={"Content-Type": "application/json"})
    if response.status_code != 200 or b'"errors"' in response.content or b'"userErrors":[{' in response.content:
        raise RuntimeError(f"metrics-overhead probe: {response.text[:500]}")


async def serve(url: str, metrics: bool, listing: int, carts: list[str], first: int) -> dict[str, float]:
    """Warm up, then the listing and the checkouts; CPU seconds of each (the dumps mark them under valgrind)."""
    config = settings(url, metrics)
    app = create_app(config)
    settle_collector(config)  # as a worker's (api/app.py `app_from_env`): the same passes run to run
    page = body(LISTING, {"first": first})
    checkouts = [body(CHECKOUT, {"id": cart, "key": f"overhead-{cart}"}) for cart in carts]
    spent: dict[str, float] = {}
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://x") as client:
        for content in [page] * WARMUP + checkouts[:WARMUP]:
            await post(client, content)
        await asyncio.sleep(0.1)  # the relay and the feed catch up on the warm-up's orders
        sys.stdout.write(f"{READY} {os.getpid()}\n")
        sys.stdout.flush()
        sys.stdin.readline()  # the caller has turned callgrind's instrumentation on (or has no valgrind)
        os.getloadavg()  # callgrind: zero the counters
        started = time.process_time()
        for _ in range(listing):
            await post(client, page)
        os.ctermid()  # callgrind: dump the listing's instructions
        spent["listing"] = time.process_time() - started
        started = time.process_time()
        for content in checkouts[WARMUP:]:
            await post(client, content)
            await asyncio.sleep(PAUSE)  # the nudged relay and feed finish before the next one
        os.ctermid()  # callgrind: dump the checkouts'
        spent["checkout"] = time.process_time() - started
    return spent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_cpu", description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("carts", type=Path, help="a JSON list of carts' ids ready to check out")
    parser.add_argument("--listing", type=int, default=20, help="listing pages to count")
    parser.add_argument("--first", type=int, default=20, help="products on the page")
    parser.add_argument("--metrics", action="store_true")
    args = parser.parse_args(argv)
    carts = orjson.loads(args.carts.read_bytes())
    if len(carts) <= WARMUP:
        raise SystemExit(f"needs more than {WARMUP} carts (the first {WARMUP} warm up)")
    spent = asyncio.run(serve(args.url, args.metrics, args.listing, carts, args.first))
    sys.stdout.write(orjson.dumps({"cpu_seconds": spent}).decode() + "\n")


if __name__ == "__main__":
    main()
