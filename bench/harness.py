"""What every bench shares: the figures it prints, the commit they belong to, and the load driver.

A figure is one JSON line on stdout, so runs can be compared across commits with `jq` or a
spreadsheet; everything else (progress, server logs, failures) goes to stderr.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent


def git_commit() -> tuple[str, bool]:
    """The short sha of HEAD and whether the working tree differs from it (figures of a dirty tree are
    not the commit's figures)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""

    return git("rev-parse", "--short", "HEAD").strip() or "unknown", bool(git("status", "--porcelain").strip())


@dataclass
class Report:
    """Prints figures tagged with the bench, the commit and what the run was measured on."""

    bench: str
    context: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        commit, dirty = git_commit()
        self.context = {"commit": commit, "dirty": dirty, **self.context}

    def figure(self, metric: str, value: Any, **extra: Any) -> None:
        line = {"bench": self.bench, "metric": metric, "value": value, **extra}
        line.update((k, v) for k, v in self.context.items() if k not in extra)
        sys.stdout.write(orjson.dumps(line).decode() + "\n")
        sys.stdout.flush()


def say(message: str) -> None:
    """Progress for the person running the bench, kept off stdout."""
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not ordered:
        return float("nan")
    rank = max(1, round(q / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Load:
    """Latencies (seconds) of the measured requests, the wall time they took, and the failures."""

    latencies: list[float]
    elapsed: float
    errors: int
    first_error: str | None
    client_cpu: float  # seconds of this process's CPU: near `elapsed` means the client was the bottleneck

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def mean(self) -> float:
        """The mean latency in seconds."""
        return sum(self.latencies) / len(self.latencies) if self.latencies else float("nan")

    def quantile(self, q: int) -> float:
        """The q-th percentile latency in seconds."""
        return percentile(sorted(self.latencies), q)

    def report(self, report: Report, prefix: str = "", **extra: Any) -> None:
        """requests/s, p50/p95/p99 in ms, errors and the client's CPU share, as figures."""
        ordered = sorted(self.latencies)
        report.figure(f"{prefix}requests_per_s", round(self.rate, 1), **extra)
        for q in (50, 95, 99):
            report.figure(f"{prefix}p{q}_ms", round(percentile(ordered, q) * 1000, 2), **extra)
        report.figure(f"{prefix}requests", len(ordered), **extra)
        report.figure(f"{prefix}errors", self.errors, **extra)
        report.figure(
            f"{prefix}client_cpu_share", round(self.client_cpu / self.elapsed, 2) if self.elapsed else 0, **extra
        )
        if self.first_error:
            say(f"{prefix or 'load'}: first error: {self.first_error[:500]}")


Send = Callable[[int], Awaitable[str | None]]  # one request; returns an error message, or None when it went well


async def drive(send: Send, *, concurrency: int, duration: float, requests: int | None, warmup: int = 0) -> Load:
    """Call `send` from `concurrency` tasks for `duration` seconds, or `requests` times when given.

    The first `warmup` calls (connections, caches, the server's first-request costs) are not measured.
    """
    if warmup:
        await _run(send, concurrency, None, warmup)
    cpu = time.process_time()
    latencies, errors, first_error, elapsed = await _run(send, concurrency, duration, requests)
    return Load(latencies, elapsed, errors, first_error, time.process_time() - cpu)


async def _run(
    send: Send, concurrency: int, duration: float | None, requests: int | None
) -> tuple[list[float], int, str | None, float]:
    latencies: list[float] = []
    failures: list[str] = []
    issued = 0
    started = time.perf_counter()
    deadline = started + duration if duration and requests is None else None

    async def worker() -> None:
        nonlocal issued
        while True:
            if requests is not None and issued >= requests:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            i = issued
            issued += 1
            t0 = time.perf_counter()
            try:
                error = await send(i)
            except Exception as e:  # a broken connection is a failed request, not a crashed bench
                error = f"{type(e).__name__}: {e}"
            if error is None:
                latencies.append(time.perf_counter() - t0)
            else:
                failures.append(error)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, len(failures), failures[0] if failures else None, time.perf_counter() - started
