"""Sending one attempt: resolve the target and refuse inner addresses, sign, POST, read the answer.

Signed per the Standard Webhooks specification with its reference package (`standardwebhooks`):
`webhook-id` is the delivery's id (the same for every attempt, so receivers can drop repeats),
`webhook-timestamp` the attempt's time, and `webhook-signature` one `v1,<signature>` per
secret that signs (two during a rotation). Bounded: connect 2 s, 15 s in all, redirects not
followed, at most `BODY_KEEP` bytes of the answer read.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks.webhooks import Webhook as Signer

from domain.apps.webhooks import is_public

CONNECT_TIMEOUT = 2.0
TOTAL_TIMEOUT = 15.0
BODY_KEEP = 1024  # the first bytes of an answer, kept for diagnosis


@dataclass(frozen=True, slots=True)
class Answer:
    status: int | None  # None: no answer (refused, timed out, connection failed)
    body: str | None
    error: str | None
    duration_ms: int
    retry_after: timedelta | None = None
    refused: bool = False  # the target may not be reached: no retry helps


class RefusedTarget(Exception):
    """The target resolves to an address deliveries may not reach."""


def client() -> httpx.AsyncClient:
    timeout = httpx.Timeout(TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT)
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False)


def headers(message_id: str, at: datetime, body: str, secrets: tuple[str, ...]) -> dict[str, str]:
    signatures = " ".join(Signer(s).sign(message_id, at, body) for s in secrets)
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }


async def check_target(url: str, *, allow_private: bool) -> None:
    """Refuse a target whose host resolves to a loopback, link-local or private address."""
    if allow_private:
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise RefusedTarget("only https targets are allowed")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as e:
        raise RefusedTarget(f"cannot resolve {parts.hostname}: {e}") from None
    for info in infos:
        if not is_public(ipaddress.ip_address(info[4][0])):
            raise RefusedTarget(f"{parts.hostname} resolves to a non-public address")


async def send(
    http: httpx.AsyncClient,
    url: str,
    message_id: str,
    body: str,
    secrets: tuple[str, ...],
    at: datetime,
    *,
    allow_private: bool,
) -> Answer:
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        await check_target(url, allow_private=allow_private)
        request = http.build_request("POST", url, content=body.encode(), headers=headers(message_id, at, body, secrets))
        async with asyncio.timeout(TOTAL_TIMEOUT):  # httpx's timeouts are per step; this bounds the whole
            response = await http.send(request, stream=True)
            try:
                kept = b""
                async for chunk in response.aiter_raw():
                    kept += chunk
                    if len(kept) >= BODY_KEEP:
                        break
            finally:
                await response.aclose()
    except RefusedTarget as e:
        return Answer(None, None, f"refused: {e}"[:200], took(), refused=True)
    except (httpx.TimeoutException, TimeoutError):
        return Answer(None, None, "timed out", took())
    except httpx.HTTPError as e:
        return Answer(None, None, f"{type(e).__name__}: {e}"[:200], took())
    text = kept[:BODY_KEEP].decode("utf-8", "replace")
    return Answer(response.status_code, text, None, took(), retry_after(response.headers.get("retry-after"), at))


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header: seconds, or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value))
    try:
        return max(parsedate_to_datetime(value) - now, timedelta(0))
    except (TypeError, ValueError):
        return None
