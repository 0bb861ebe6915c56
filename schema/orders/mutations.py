"""Checkout and the buyer's side of an order: `checkoutComplete`, `orderPay`, `orderCancel`.

Every mutation returns the order as it is after the change. An order the caller cannot see is
NOT_FOUND; one they see but may not change (a cashier of another store) is a top-level FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from domain.members.points_services import PointsPolicy
from domain.orders import services
from domain.orders.checkout import OrderRef, complete_checkout
from domain.orders.records import PaymentMethod as DomainPaymentMethod
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.orders.ids import OrderId, order_token
from schema.orders.inputs import OrderPayInput
from schema.orders.types import Order, visible_order
from schema.relay import decode_token


@strawberry.type(description="Result of `checkoutComplete`.")
class CheckoutCompletePayload:
    order: Order | None = strawberry.field(
        description="The order placed (or, for a repeated idempotency key, the order placed the first time)."
    )
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `orderPay`.")
class OrderPayPayload:
    order: Order | None = strawberry.field(description="The order after the payment.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `orderCancel`.")
class OrderCancelPayload:
    order: Order | None = strawberry.field(description="The cancelled order.")
    user_errors: list[UserError] = user_errors_field()


def policy(info: Info) -> PointsPolicy:
    return PointsPolicy(info.context.services.points_validity_months)


async def change_order(info: Info, work: Callable[[], Awaitable[str]]) -> tuple[Order | None, list[UserError]]:
    """Run an order use case in one transaction; the order as it is afterwards, and the userErrors."""
    token, errors = await run_mutation(info, work)
    return await visible_order(info, token), errors


@strawberry.type
class CheckoutMutation:
    @strawberry.mutation(
        description="Place the cart's order: re-priced at the channel's current prices, stock "
        "reserved (INSUFFICIENT_STOCK names the cart line, and nothing is reserved), points "
        "spent. The same idempotency key for the same cart returns the same order, also when "
        "retries race."
    )
    async def checkout_complete(
        self,
        info: Info,
        cart_id: Annotated[strawberry.ID, strawberry.argument(description="The cart.")],
        idempotency_key: Annotated[
            str,
            strawberry.argument(
                description="A key the client makes up once per checkout attempt (1 to 100 characters) and "
                "repeats when it retries."
            ),
        ],
    ) -> CheckoutCompletePayload:
        ctx = info.context
        placed: OrderRef | None
        placed, errors = await run_mutation(
            info,
            lambda: complete_checkout(
                ctx.uow,
                ctx.principal,
                decode_token(cart_id, "Cart"),
                idempotency_key,
                secret=ctx.services.secret_key,
            ),
        )
        order = await visible_order(info, placed.token, placed.pickup_code) if placed else None
        return CheckoutCompletePayload(order=order, user_errors=errors)

    @strawberry.mutation(
        description="Record a payment of exactly what is due. Only the till of the order's store "
        "records cash, card, WeChat Pay and Alipay; SANDBOX (the test gateway) is offered only in "
        "demo and debug mode or with PAYMENTS_SANDBOX (PAYMENT_METHOD_UNAVAILABLE otherwise); "
        "nothing due (a wholly discounted order) is confirmed with amount 0, whatever the method. An "
        "IN_STORE order completes at once: its units leave the shelf and the member earns points."
    )
    async def order_pay(
        self,
        info: Info,
        id: OrderId,
        input: Annotated[OrderPayInput, strawberry.argument(description="How and how much.")],
    ) -> OrderPayPayload:
        ctx = info.context
        order, errors = await change_order(
            info,
            lambda: services.pay_order(
                ctx.uow,
                ctx.principal,
                order_token(id),
                method=DomainPaymentMethod(input.method.value),
                amount=input.amount,
                policy=policy(info),
                payments=ctx.services.payments,
            ),
        )
        return OrderPayPayload(order=order, user_errors=errors)

    @strawberry.mutation(
        description="Cancel an order: the buyer (or the order's till) an unpaid one, customer "
        "service also a paid one (a refund is recorded). Reserved stock is released and spent "
        "points come back."
    )
    async def order_cancel(self, info: Info, id: OrderId) -> OrderCancelPayload:
        ctx = info.context
        order, errors = await change_order(
            info,
            lambda: services.cancel_order(
                ctx.uow, ctx.principal, order_token(id), policy=policy(info), payments=ctx.services.payments
            ),
        )
        return OrderCancelPayload(order=order, user_errors=errors)
