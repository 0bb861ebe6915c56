"""Payment providers: how money is taken for an order and given back.

One provider per payment method. The till's methods (cash, the card terminal, scanning the
shopper's WeChat Pay or Alipay code) are vouched for by the cashier, so their provider only
records a reference; SANDBOX approves everything, for development and tests. A real gateway
implements `PaymentProvider` and is registered in `Payments` at start-up; the use cases call
it inside the order's transaction and record the provider's reference with the payment.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.errors import DomainError, input_field
from domain.orders.records import STAFF_ONLY_METHODS, PaymentMethod


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    order_reference: str
    method: PaymentMethod
    amount: Decimal
    currency: str


class PaymentProvider(Protocol):
    async def capture(self, request: PaymentRequest) -> str:
        """Take the money; returns the provider's transaction reference, or raises a DomainError
        with code PAYMENT_DECLINED."""
        ...

    async def refund(self, request: PaymentRequest, capture_reference: str | None) -> str:
        """Give money back against an earlier capture; returns the refund's reference."""
        ...


class RecordingProvider:
    """Money that changed hands outside Omnishop (at the till) or nowhere (sandbox): only recorded."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    async def capture(self, request: PaymentRequest) -> str:
        return f"{self.prefix}:{uuid.uuid4().hex[:20]}"

    async def refund(self, request: PaymentRequest, capture_reference: str | None) -> str:
        return f"{self.prefix}-refund:{uuid.uuid4().hex[:20]}"


class Payments:
    """The providers by payment method."""

    def __init__(self, providers: Mapping[PaymentMethod, PaymentProvider]) -> None:
        self.providers = dict(providers)

    def provider(self, method: PaymentMethod) -> PaymentProvider:
        found = self.providers.get(method)
        if found is None:
            raise DomainError("INVALID", f"{method.value} payments are not available.", input_field("method"))
        return found

    async def capture(self, request: PaymentRequest) -> str:
        return await self.provider(request.method).capture(request)

    async def refund(self, request: PaymentRequest, capture_reference: str | None) -> str:
        return await self.provider(request.method).refund(request, capture_reference)


DEFAULT_PAYMENTS = Payments({
    **{method: RecordingProvider("till") for method in STAFF_ONLY_METHODS},
    PaymentMethod.SANDBOX: RecordingProvider("sandbox"),
})
