"""Load from `wrk` (Debian's package), as QUALITY.md asks: a C load generator leaves the two cores to
the server, where the Python client saturated first (its `client_cpu_share` reached 0.8 against the
floor). One wrk thread, `concurrency` keep-alive connections, POSTing the given bodies in turn; a
Lua `done` hook prints the figures as JSON. wrk counts time, not requests: `--requests` falls back
to the Python client. With `once`, each body is sent exactly once and wrk is stopped (SIGINT: it
prints its figures as at the end of `-d`) when the last answer is in (the flash sale's checkouts,
one per prepared cart); `counts` tallies answers containing given strings (outcomes, without
parsing the bodies in Python).
"""

from __future__ import annotations

import asyncio
import json
import math
import resource
import shutil
import signal
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import Report, say

# An answer that is not 200, or carries top-level GraphQL `errors`, is a failed request.
_CHECK_AND_REPORT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) failed = 0; answered = 0; counted = {} end
function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 or string.find(body, '"errors"', 1, true) then failed = failed + 1 end
  for name, text in pairs(counts) do
    if string.find(body, text, 1, true) then counted[name] = (counted[name] or 0) + 1 end
  end
  if once and answered == #bodies then io.write("ANSWERED\\n"); io.flush() end
end
function done(summary, latency, requests)
  local e = summary.errors
  local bad = e.connect + e.read + e.write + e.timeout
  local tally = {}
  for _, t in ipairs(threads) do
    bad = bad + t:get("failed")
    for name, _ in pairs(counts) do tally[#tally + 1] = string.format('"%s":%d', name, t:get("counted")[name] or 0) end
  end
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"failed":%d,"p50":%d,"p95":%d,"p99":%d,"mean":%d,"counts":{%s}}\\n',
    summary.requests, summary.duration, bad, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), math.floor(latency.mean), table.concat(tally, ",")))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def script(
    bodies: list[bytes], headers: dict[str, str], *, once: bool = False, counts: Mapping[str, str] | None = None
) -> str:
    """POST `bodies` in turn (one body: wrk sends it without calling Lua per request); with `once`, each
    body once, then each connection waits until the last answer stops the thread."""
    lines = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    lines.append(f"once = {'true' if once else 'false'}")
    lines.append(
        "counts = {"
        + ", ".join(f"[{_lua_string(k.encode())}] = {_lua_string(v.encode())}" for k, v in (counts or {}).items())
        + "}"
    )
    lines.append("bodies = {" + ",\n".join(_lua_string(b) for b in bodies) + "}")
    if once:
        # wrk calls request() once before the run to check it (that body is not sent): i starts at -1
        # so that the run sends bodies 1 to n; then a connection waits for the stop instead of sending
        lines.append("i = -1")
        # and a connection the server closed asks for one more when it reconnects: a GET of /health/live
        lines.append(
            "request = function() i = i + 1; if i > #bodies then return wrk.format('GET', '/health/live') end; "
            "return wrk.format(nil, nil, nil, bodies[math.max(i, 1)]) end"
        )
        lines.append("delay = function() if i >= #bodies then return 3600000 end return 0 end")
    elif len(bodies) == 1:
        lines.append("wrk.body = bodies[1]")
    else:
        lines.append("i = 0")
        lines.append("request = function() i = i % #bodies + 1; return wrk.format(nil, nil, nil, bodies[i]) end")
    return "\n".join(lines) + _CHECK_AND_REPORT


def _script_file(text: str) -> Path:
    with tempfile.NamedTemporaryFile("w", prefix="omnishop-wrk-", suffix=".lua", delete=False) as f:
        f.write(text)
    return Path(f.name)


def _lua_string(body: bytes) -> str:
    """A Lua string literal of `body`: printable ASCII as it is, every other byte (and `"` and `\\`) as
    a decimal escape, which Lua reads in any version."""
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in body) + '"'


@dataclass
class WrkLoad:
    """What wrk measured; reported with the same figures as the Python client's `Load`."""

    requests: int
    elapsed: float
    errors: int
    p50: float
    p95: float
    p99: float
    client_cpu: float
    mean: float = math.nan  # seconds
    first_error: str | None = None  # wrk counts failures without keeping them
    counts: dict[str, int] = field(default_factory=dict)  # answers containing each of `drive`'s `counts`

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def quantile(self, q: int) -> float:
        """The q-th percentile latency in seconds (50, 95 or 99)."""
        return {50: self.p50, 95: self.p95, 99: self.p99}[q]

    def report(self, report: Report, prefix: str = "", **extra: Any) -> None:
        report.figure(f"{prefix}requests_per_s", round(self.rate, 1), client="wrk", **extra)
        for q, value in ((50, self.p50), (95, self.p95), (99, self.p99)):
            report.figure(f"{prefix}p{q}_ms", round(value * 1000, 2), client="wrk", **extra)
        report.figure(f"{prefix}requests", self.requests, client="wrk", **extra)
        report.figure(f"{prefix}errors", self.errors, client="wrk", **extra)
        report.figure(
            f"{prefix}client_cpu_share",
            round(self.client_cpu / self.elapsed, 2) if self.elapsed else 0,
            client="wrk",
            **extra,
        )


async def drive(
    url: str,
    bodies: list[bytes],
    *,
    concurrency: int,
    duration: float,
    headers: dict[str, str] | None = None,
    once: bool = False,
    counts: Mapping[str, str] | None = None,
) -> WrkLoad:
    """Run wrk against `url` for `duration` seconds with `concurrency` connections (with `once`: until
    every body has been answered, `duration` being the limit)."""
    path = _script_file(script(bodies, headers or {}, once=once, counts=counts))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        process = await asyncio.create_subprocess_exec(
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{max(1, round(duration))}s",
            # wrk leaves an answer slower than its timeout (2 s by default) out of the latencies; every
            # one of `once`'s answers counts
            *([f"--timeout={max(1, round(duration))}s"] if once else []),
            "--latency",
            "-s",
            str(path),
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        lines = []
        async for raw in process.stdout:
            lines.append(raw.decode())
            if raw.startswith(b"ANSWERED"):  # wrk runs for -d whatever its threads do; SIGINT ends it now
                process.send_signal(signal.SIGINT)
        err = await process.stderr.read()
        await process.wait()
        out = "".join(lines)
    finally:
        path.unlink(missing_ok=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in out.splitlines() if x.startswith("WRK ")), None)
    if process.returncode != 0 or line is None:
        say(f"wrk failed ({process.returncode}):\n{out[-2000:]}\n{err.decode()[-2000:]}")
        raise RuntimeError("wrk failed")
    figures = json.loads(line[4:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return WrkLoad(
        requests=figures["requests"],
        elapsed=figures["duration_us"] / 1e6,
        errors=figures["failed"],
        p50=figures["p50"] / 1e6,
        p95=figures["p95"] / 1e6,
        p99=figures["p99"] / 1e6,
        mean=figures["mean"] / 1e6,
        client_cpu=cpu,
        counts=figures["counts"],
    )
