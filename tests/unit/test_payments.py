"""Payment providers: one per method, called by the order use cases inside the order's transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.adapters.payments import RecordingProvider, built_in_payments
from domain.errors import DomainError
from domain.orders.payments import PaymentRequest, Payments
from domain.orders.records import PaymentMethod


async def test_every_method_has_a_built_in_provider() -> None:
    payments = built_in_payments(sandbox=True)
    for method in PaymentMethod:
        reference = await payments.capture(PaymentRequest("order:1", method, Decimal("9.90"), "CNY"))
        assert reference.startswith("sandbox:" if method is PaymentMethod.SANDBOX else "till:")


async def test_the_sandbox_takes_no_payment_by_default_but_refunds_what_it_took() -> None:
    payments = built_in_payments(sandbox=False)
    request = PaymentRequest("order:1", PaymentMethod.SANDBOX, Decimal("9.90"), "CNY")
    with pytest.raises(DomainError) as caught:
        await payments.capture(request)
    assert caught.value.code == "PAYMENT_METHOD_UNAVAILABLE" and caught.value.field == ["input", "method"]
    assert (await payments.refund(request, "sandbox:1")).startswith("sandbox-refund:")
    assert await payments.capture(PaymentRequest("order:1", PaymentMethod.CASH, Decimal(1), "CNY"))


async def test_a_method_without_a_provider_is_refused() -> None:
    payments = Payments({PaymentMethod.SANDBOX: RecordingProvider("sandbox")})
    with pytest.raises(DomainError) as caught:
        await payments.capture(PaymentRequest("order:1", PaymentMethod.ALIPAY, Decimal(1), "CNY"))
    assert caught.value.code == "PAYMENT_METHOD_UNAVAILABLE" and caught.value.field == ["input", "method"]


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
