"""The payment mutations' inputs."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from schema.payments.enums import TransactionEventType


@strawberry.input(description="Where to pay an order.")
class TransactionInitializeInput:
    gateway_id: strawberry.ID = strawberry.field(description="The gateway (`paymentGateways`).")


@strawberry.input(description="What a payment app reports about its transaction (idempotent per `pspReference`).")
class TransactionEventReportInput:
    transaction_id: strawberry.ID = strawberry.field(description="The transaction (from PAYMENT_INITIALIZE).")
    type: TransactionEventType = strawberry.field(description="What happened.")
    amount: Decimal = strawberry.field(description="How much, in the transaction's currency.")
    psp_reference: str = strawberry.field(
        description="The provider's reference of this charge or refund: a repeat with the same type and "
        "reference is counted once."
    )
