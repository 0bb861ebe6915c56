"""The built-in payment providers: the till's methods and SANDBOX, which only record a reference.

The till's money changed hands outside Omnishop, vouched for by the cashier; SANDBOX approves
everything, so it takes payments only in demo or debug mode or with PAYMENTS_SANDBOX (elsewhere a
shopper would pay their own orders with it).
"""

from __future__ import annotations

import uuid

from domain.orders.payments import PaymentRequest, Payments
from domain.orders.records import STAFF_ONLY_METHODS, PaymentMethod


class RecordingProvider:
    """Money that changed hands outside Omnishop (at the till) or nowhere (sandbox): only recorded."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    async def capture(self, request: PaymentRequest) -> str:
        return f"{self.prefix}:{uuid.uuid4().hex[:20]}"

    async def refund(self, request: PaymentRequest, capture_reference: str | None) -> str:
        return f"{self.prefix}-refund:{uuid.uuid4().hex[:20]}"


def built_in_payments(*, sandbox: bool) -> Payments:
    """The till's methods, and SANDBOX: taking payments only when `sandbox`, refunding always."""
    return Payments(
        {
            **{method: RecordingProvider("till") for method in STAFF_ONLY_METHODS},
            PaymentMethod.SANDBOX: RecordingProvider("sandbox"),
        },
        offered=[*STAFF_ONLY_METHODS, *([PaymentMethod.SANDBOX] if sandbox else [])],
    )
