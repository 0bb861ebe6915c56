"""Asking payment apps for money back when a paid order is cancelled or goods are returned.

The order use cases call this beside their own refunds (payments recorded here are refunded at
once); a payment app's money comes back when the app reports REFUND_SUCCESS.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.payments.model import TransactionsRepository, refund_plan


async def request_refunds(
    transactions: TransactionsRepository, order_id: int, limit: Decimal | None, now: datetime
) -> Decimal:
    """Ask the apps that were paid for the order to give back up to `limit` (None: all they hold), newest
    transaction first: one PAYMENT_REFUND_REQUESTED webhook event each. Returns the amount asked for."""
    plan = refund_plan(await transactions.for_order(order_id), limit)
    for transaction_id, amount in plan:
        await transactions.request_refund(transaction_id, amount, now)
    return sum((amount for _, amount in plan), Decimal(0))
