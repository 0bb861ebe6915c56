"""Sending one attempt: resolve the target and refuse inner addresses, sign, POST, read the answer.

Signed per the Standard Webhooks specification with its reference package (`standardwebhooks`):
`webhook-id` is the delivery's id (the same for every attempt, so receivers can drop repeats),
`webhook-timestamp` the attempt's time, and `webhook-signature` one `v1,<signature>` per
secret that signs (two during a rotation). Bounded: connect 2 s, 15 s in all, redirects not
followed, at most `BODY_KEEP` bytes of the answer read (the rest is never downloaded: the
connection is closed).

The target's name is resolved once per attempt, every address it has is checked, and the
connection goes to the first of those addresses (`PinnedBackend`): the HTTP client never looks
the name up itself, so a name that answers a public address to the check and an inner one a
moment later (DNS rebinding) still reaches only the address that was checked. TLS still verifies
the certificate against the name, and connections are pooled by name.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
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


# The addresses this attempt checked, by host name: what `PinnedBackend` connects to.
_PINNED: ContextVar[dict[str, str] | None] = ContextVar("webhook_pinned_addresses", default=None)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Opens connections to the address the attempt resolved and checked, never to a fresh lookup."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = (_PINNED.get() or {}).get(host)
        if address is None:
            raise httpcore.ConnectError(f"{host} was not resolved and checked before connecting")
        return await self.inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are not sent to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on `PinnedBackend` (httpx takes no backend itself)."""

    def __init__(self) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)  # else httpx loads the CA bundle again
        self._pool = httpcore.AsyncConnectionPool(ssl_context=_ssl_context(), network_backend=PinnedBackend())


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every pinned transport: loading the CA bundle costs milliseconds, and a
    payment app's call makes a transport per `transactionInitialize`."""
    return httpx.create_ssl_context(trust_env=False)


def pin(host: str, address: str) -> None:
    """Connect this task's requests to `host` at `address` (what `check_target` checked), and to no other
    host: a `PinnedTransport` refuses a name it was not given."""
    _PINNED.set({host: address})


def client() -> httpx.AsyncClient:
    timeout = httpx.Timeout(TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT)
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False, transport=PinnedTransport())


def headers(message_id: str, at: datetime, body: str, secrets: tuple[str, ...]) -> dict[str, str]:
    signatures = " ".join(Signer(s).sign(message_id, at, body) for s in secrets)
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` has (one lookup)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_target(url: str, *, allow_private: bool) -> str:
    """The address to connect to for `url`: its host resolved once, refused when any of its addresses is
    loopback, link-local or private (unless private networks are allowed) or when it is not https."""
    try:
        parts = httpx.URL(url)
    except httpx.InvalidURL as e:
        raise RefusedTarget(f"not a URL: {e}") from None
    if not parts.host or (not allow_private and parts.scheme != "https"):
        raise RefusedTarget("only https targets are allowed")
    try:
        addresses = [str(ipaddress.ip_address(parts.host))]
    except ValueError:
        try:
            addresses = await resolve(parts.host, parts.port or (443 if parts.scheme == "https" else 80))
        except OSError as e:
            raise RefusedTarget(f"cannot resolve {parts.host}: {e}") from None
    if not addresses:
        raise RefusedTarget(f"{parts.host} has no address")
    if not allow_private and not all(is_public(ipaddress.ip_address(a.partition("%")[0])) for a in addresses):
        raise RefusedTarget(f"{parts.host} resolves to a non-public address")
    return addresses[0]


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
        address = await check_target(url, allow_private=allow_private)
        request = http.build_request("POST", url, content=body.encode(), headers=headers(message_id, at, body, secrets))
        pin(request.url.host, address)
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
