"""Calling a payment app synchronously: `transactionInitialize` POSTs PAYMENT_INITIALIZE to the gateway's
webhook and waits for its answer (the client data a shopper's app starts the payment with).

Signed and checked exactly as deliveries are (api/webhooks/sender.py: Standard Webhooks headers,
inner addresses refused unless private networks are allowed, the connection made to the address that
was checked, redirects not followed), but bounded
tighter: connect 2 s, `TIMEOUT` in all, at most `BODY_MAX` bytes of answer. Nothing is retried: the
shopper is waiting, and a new `transactionInitialize` is the retry. No database transaction is open
while the call runs (domain/payments/services.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import orjson

from api.webhooks import sender
from domain.clock import Clock, system_clock
from domain.money import round_to_minor
from domain.payments.model import Gateway, GatewayAnswer
from domain.payments.services import Opened
from schema.relay import to_global_id

TIMEOUT = 10.0
BODY_MAX = 64 * 1024  # client data is a handful of parameters; more is not an answer


class HttpGatewayCalls:
    """`domain.payments.services.GatewayCalls` over HTTP: what `transactionInitialize` calls."""

    def __init__(self, *, allow_private: bool, clock: Clock = system_clock, timeout: float = TIMEOUT) -> None:
        self.allow_private = allow_private
        self.clock = clock
        self.timeout = timeout

    async def initialize(self, opened: Opened) -> GatewayAnswer:
        at = self.clock()
        body = initialize_body(opened, at)
        message_id = f"txn_{opened.transaction_id}"
        return await call(opened.gateway, message_id, body, at, allow_private=self.allow_private, seconds=self.timeout)


def initialize_body(opened: Opened, at: datetime) -> str:
    """The PAYMENT_INITIALIZE payload: the transaction to start and its order (no personal data; the
    order's global id is its bearer token, so it is named by number, as in every webhook payload)."""
    amount = {"amount": str(round_to_minor(opened.amount, opened.currency)), "currency": opened.currency}
    return orjson.dumps(
        {
            "event": "PAYMENT_INITIALIZE",
            "createdAt": at.isoformat().replace("+00:00", "Z"),
            "data": {
                "transaction": {"id": to_global_id("Transaction", opened.transaction_id), "amount": amount},
                "order": {"number": opened.order_number, "status": opened.order_status.value},
            },
        }
    ).decode()


async def call(
    gateway: Gateway, message_id: str, body: str, at: datetime, *, allow_private: bool, seconds: float = TIMEOUT
) -> GatewayAnswer:
    """POST the signed body to the gateway; its answer (status None: refused, timed out, unreachable)."""
    limits = httpx.Timeout(seconds, connect=min(sender.CONNECT_TIMEOUT, seconds))
    transport = sender.PinnedTransport()
    async with httpx.AsyncClient(timeout=limits, follow_redirects=False, trust_env=False, transport=transport) as http:
        try:
            address = await sender.check_target(gateway.target_url, allow_private=allow_private)
            headers = sender.headers(message_id, at, body, gateway.secrets)
            request = http.build_request("POST", gateway.target_url, content=body.encode(), headers=headers)
            sender.pin(request.url.host, address)
            async with asyncio.timeout(seconds):
                response = await http.send(request, stream=True)
                try:
                    kept = b""
                    async for chunk in response.aiter_raw():
                        kept += chunk
                        if len(kept) > BODY_MAX:
                            return GatewayAnswer(response.status_code, None, "the answer is too large")
                finally:
                    await response.aclose()
        except sender.RefusedTarget as e:
            return GatewayAnswer(None, None, f"refused: {e}")
        except (httpx.TimeoutException, TimeoutError):
            return GatewayAnswer(None, None, "timed out")
        except httpx.HTTPError as e:
            return GatewayAnswer(None, None, type(e).__name__)
    return GatewayAnswer(response.status_code, _json(kept))


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
