"""Payment providers: one per method, called by the order use cases inside the order's transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import DomainError
from domain.orders.payments import DEFAULT_PAYMENTS, PaymentRequest, Payments, RecordingProvider
from domain.orders.records import PaymentMethod


async def test_every_method_has_a_built_in_provider() -> None:
    for method in PaymentMethod:
        reference = await DEFAULT_PAYMENTS.capture(PaymentRequest("order:1", method, Decimal("9.90"), "CNY"))
        assert reference.startswith("sandbox:" if method is PaymentMethod.SANDBOX else "till:")


async def test_a_method_without_a_provider_is_refused() -> None:
    payments = Payments({PaymentMethod.SANDBOX: RecordingProvider("sandbox")})
    with pytest.raises(DomainError) as caught:
        await payments.capture(PaymentRequest("order:1", PaymentMethod.ALIPAY, Decimal(1), "CNY"))
    assert caught.value.code == "INVALID" and caught.value.field == ["input", "method"]


async def test_refunds_go_through_the_provider_of_the_capture() -> None:
    seen: list[tuple[str, str | None]] = []

    class Gateway(RecordingProvider):
        async def refund(self, request: PaymentRequest, capture_reference: str | None) -> str:
            seen.append((request.order_reference, capture_reference))
            return "gw-refund-1"

    payments = Payments({PaymentMethod.WECHAT_PAY: Gateway("gw")})
    request = PaymentRequest("order:7", PaymentMethod.WECHAT_PAY, Decimal("5.00"), "CNY")
    capture = await payments.capture(request)
    assert await payments.refund(request, capture) == "gw-refund-1"
    assert seen == [("order:7", capture)]
