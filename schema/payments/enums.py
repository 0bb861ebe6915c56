"""The payment apps' enums: where a transaction stands and what its app reports."""

from __future__ import annotations

from domain.payments import model
from schema.enums import graphql_enum

TransactionStatus = graphql_enum(
    model.TransactionStatus,
    "Where a payment app's transaction stands (it follows from the events the app reported).",
    {
        "PENDING": "Opened at the gateway; nothing charged yet.",
        "CHARGED": "The app reported money taken.",
        "PARTIALLY_REFUNDED": "Part of what was charged was given back.",
        "REFUNDED": "Everything charged was given back.",
        "FAILED": "The gateway declined or could not be reached, or the app reported the charge failed.",
    },
)

TransactionEventType = graphql_enum(
    model.TransactionEventType,
    "What a payment app reports about its transaction.",
    {
        "CHARGE_SUCCESS": "Money was taken: counts towards the order's total (covering it pays the order).",
        "CHARGE_FAILURE": "The charge failed: the transaction FAILED while nothing was charged.",
        "REFUND_SUCCESS": "Money was given back (after PAYMENT_REFUND_REQUESTED, or on the provider's side).",
        "REFUND_FAILURE": "A refund failed: recorded; the status stays.",
    },
)
