"""Payment providers: how money is taken for an order and given back.

One provider per payment method. The till's methods (cash, the card terminal, scanning the
shopper's WeChat Pay or Alipay code) are vouched for by the cashier; SANDBOX approves everything.
The providers themselves are adapters (`api/adapters/payments.py` has the built-in ones); the use
cases call them inside the order's transaction and record the provider's reference with the
payment. Online payment providers are payment apps instead (domain/payments/): they are called
outside any transaction and report the money themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.errors import Code, DomainError, input_field
from domain.orders.records import PaymentMethod


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


def unavailable(method: PaymentMethod, why: str = "") -> DomainError:
    return DomainError(
        Code.PAYMENT_METHOD_UNAVAILABLE, f"{method.value} payments are not available{why}.", input_field("method")
    )


class Payments:
    """The providers by payment method, and which of them take new payments (`offered`, all by
    default); a provider that is registered but not offered still refunds what it took."""

    def __init__(
        self, providers: Mapping[PaymentMethod, PaymentProvider], *, offered: Iterable[PaymentMethod] | None = None
    ) -> None:
        self.providers = dict(providers)
        self.offered = frozenset(self.providers if offered is None else offered) & self.providers.keys()

    def check_offered(self, method: PaymentMethod) -> None:
        if method not in self.offered:
            raise unavailable(method)

    def provider(self, method: PaymentMethod) -> PaymentProvider:
        found = self.providers.get(method)
        if found is None:
            raise unavailable(method)
        return found

    async def capture(self, request: PaymentRequest) -> str:
        self.check_offered(request.method)
        return await self.provider(request.method).capture(request)

    async def refund(self, request: PaymentRequest, capture_reference: str | None) -> str:
        return await self.provider(request.method).refund(request, capture_reference)
