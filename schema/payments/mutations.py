"""Paying with a payment app: `transactionInitialize` (the buyer, the till, customer service) and
`transactionEventReport` (the transaction's app)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from domain.payments import services
from domain.payments.model import TransactionEventType as DomainEventType
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.orders.ids import OrderId, order_token
from schema.orders.mutations import policy
from schema.payments.inputs import TransactionEventReportInput, TransactionInitializeInput
from schema.payments.types import Transaction
from schema.relay import decode_id


@strawberry.type(description="Result of `transactionInitialize`.")
class TransactionInitializePayload:
    transaction: Transaction | None = strawberry.field(
        description="The transaction: PENDING until the app reports, FAILED when the gateway declined or "
        "did not answer."
    )
    client_data: JSON | None = strawberry.field(
        description="The gateway's answer, as it gave it: what the client starts the payment with (e.g. "
        "WeChat Pay's prepay parameters)."
    )
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `transactionEventReport`.")
class TransactionEventReportPayload:
    transaction: Transaction | None = strawberry.field(description="The transaction after the report.")
    user_errors: list[UserError] = user_errors_field()


async def _transaction(info: Info, transaction_id: int | None) -> Transaction | None:
    row = await info.context.loaders.transaction_by_id.load(transaction_id) if transaction_id is not None else None
    return Transaction.from_model(row) if row else None


@strawberry.type
class PaymentMutation:
    @strawberry.mutation(
        description="Start paying an order at a payment gateway: a PENDING transaction for the amount due, "
        "and the gateway's answer as `clientData` (signed call, 10 s at most; PAYMENT_DECLINED or "
        "GATEWAY_UNAVAILABLE otherwise). The order is paid when the app reports the charge."
    )
    async def transaction_initialize(
        self,
        info: Info,
        order_id: OrderId,
        input: Annotated[TransactionInitializeInput, strawberry.argument(description="The gateway.")],
    ) -> TransactionInitializePayload:
        ctx = info.context
        gateway = decode_id(input.gateway_id, "App")
        opened, errors = await run_mutation(
            info, lambda: services.open_transaction(ctx.uow, ctx.principal, order_token(order_id), gateway)
        )
        if opened is None:
            return TransactionInitializePayload(transaction=None, client_data=None, user_errors=errors)
        answer = await ctx.services.gateways.initialize(opened)  # no database transaction is open here
        data, errors = await run_mutation(info, lambda: services.record_answer(ctx.uow, opened, answer))
        transaction = await _transaction(info, opened.transaction_id)
        client_data: Any = data
        return TransactionInitializePayload(transaction=transaction, client_data=client_data, user_errors=errors)

    @strawberry.mutation(
        description="A payment app reports a charge or refund of its own transaction (idempotent per type and "
        "`pspReference`). A charge that covers the amount due pays the order."
    )
    async def transaction_event_report(
        self,
        info: Info,
        input: Annotated[TransactionEventReportInput, strawberry.argument(description="The event.")],
    ) -> TransactionEventReportPayload:
        ctx = info.context
        transaction_id, errors = await run_mutation(
            info,
            lambda: services.report_event(
                ctx.uow,
                ctx.principal,
                decode_id(input.transaction_id, "Transaction"),
                type=DomainEventType(input.type.value),
                amount=input.amount,
                psp_reference=input.psp_reference,
                policy=policy(info),
            ),
        )
        return TransactionEventReportPayload(transaction=await _transaction(info, transaction_id), user_errors=errors)
