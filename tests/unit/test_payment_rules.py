"""A payment app's transaction: its status follows from the reported events, refunds are planned from
what is left to ask back, and the gateway's answer is read as accepted, declined or unavailable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import DomainError
from domain.payments.model import (
    GatewayAnswer,
    TransactionEventType,
    TransactionState,
    TransactionStatus,
    apply,
    declined,
    gateway_paid,
    refund_plan,
    unavailable,
)

E, S = TransactionEventType, TransactionStatus
OPEN = TransactionState(1, 10, 7, S.PENDING, Decimal("110.00"), "CNY")


def test_a_charge_moves_a_pending_transaction_to_charged_and_adds_up() -> None:
    once = apply(OPEN, E.CHARGE_SUCCESS, Decimal("50.00"))
    twice = apply(once, E.CHARGE_SUCCESS, Decimal("60.00"))
    assert (once.status, once.charged, twice.charged) == (S.CHARGED, Decimal("50.00"), Decimal("110.00"))


def test_a_failed_charge_fails_only_a_transaction_that_took_nothing() -> None:
    assert apply(OPEN, E.CHARGE_FAILURE, Decimal("110.00")).status is S.FAILED
    charged = apply(OPEN, E.CHARGE_SUCCESS, Decimal("110.00"))
    assert apply(charged, E.CHARGE_FAILURE, Decimal("1.00")) == charged
    late = apply(apply(OPEN, E.CHARGE_FAILURE, Decimal("110.00")), E.CHARGE_SUCCESS, Decimal("110.00"))
    assert late.status is S.CHARGED  # the provider took the money after all: it counts


def test_refunds_are_partial_then_complete_and_never_more_than_was_charged() -> None:
    charged = apply(OPEN, E.CHARGE_SUCCESS, Decimal("110.00"))
    part = apply(charged, E.REFUND_SUCCESS, Decimal("10.00"))
    assert (part.status, part.net) == (S.PARTIALLY_REFUNDED, Decimal("100.00"))
    assert apply(part, E.REFUND_SUCCESS, Decimal("100.00")).status is S.REFUNDED
    with pytest.raises(DomainError) as caught:
        apply(part, E.REFUND_SUCCESS, Decimal("100.01"))
    assert (caught.value.code, caught.value.field) == ("INVALID", ["input", "amount"])
    assert apply(part, E.REFUND_FAILURE, Decimal("100.00")) == part


def test_refunds_are_asked_newest_first_up_to_the_limit_and_never_twice() -> None:
    first = TransactionState(1, 10, 7, S.CHARGED, Decimal("60"), "CNY", charged=Decimal("60"))
    second = TransactionState(2, 10, 7, S.CHARGED, Decimal("50"), "CNY", charged=Decimal("50"))
    assert refund_plan([first, second], None) == [(2, Decimal("50")), (1, Decimal("60"))]
    assert refund_plan([first, second], Decimal("70")) == [(2, Decimal("50")), (1, Decimal("20"))]
    asked = TransactionState(1, 10, 7, S.CHARGED, Decimal("60"), "CNY", Decimal("60"), refund_requested=Decimal("60"))
    assert refund_plan([asked], None) == [] and gateway_paid([first, second, asked]) == Decimal("170")


@pytest.mark.parametrize(
    ("answer", "is_declined", "is_unavailable"),
    [
        (GatewayAnswer(200, {"prepayId": "x"}), False, False),
        (GatewayAnswer(402, {"error": "no funds"}), True, False),
        (GatewayAnswer(200, {"result": "CHARGE_FAILURE"}), True, False),
        (GatewayAnswer(None, None, "timed out"), False, True),
        (GatewayAnswer(200, None), False, True),  # 2xx without a JSON object: nothing to start a payment with
    ],
)
def test_the_gateways_answer_is_accepted_declined_or_unavailable(
    answer: GatewayAnswer, is_declined: bool, is_unavailable: bool
) -> None:
    assert (declined(answer) is not None, unavailable(answer) is not None) == (
        is_declined and not is_unavailable,
        is_unavailable,
    )
