"""The apps' enums: what an app's token may do, what its webhooks hear about, how deliveries stand.

Its own module so that the app inputs use it without importing the app types.
"""

from __future__ import annotations

from domain.access import model as access
from domain.apps import webhooks
from schema.enums import graphql_enum

AppScope = graphql_enum(
    access.AppScope,
    "What an app's token may do.",
    {
        "CATALOG_READ": "Read catalogue data, including unpublished products.",
        "CATALOG_WRITE": "Create and change products, variants, categories and prices.",
        "INVENTORY_WRITE": "Adjust and transfer stock.",
        "ORDERS_READ": "Read every order.",
        "ORDERS_WRITE": "Change and fulfil orders.",
        "MEMBERS_READ": "Look members up.",
        "MEMBERS_WRITE": "Tag members and adjust their points.",
        "PROMOTIONS_WRITE": "Manage promotions and coupon templates, and issue coupons.",
        "PAYMENTS": "Take payments as a payment provider: with a PAYMENT_INITIALIZE webhook the app is a "
        "payment gateway, and it reports its transactions' charges and refunds.",
        "REPORTS_READ": "Read the data centre's reports (sales, products, members, points, coupons).",
        "SETTLEMENT_WRITE": "Manage parties and settlement rules, and read the settlement ledger.",
    },
)

WebhookEventType = graphql_enum(
    webhooks.WebhookEventType,
    "What a webhook hears about.",
    {
        "ORDER_CREATED": "An order was placed (online or at a till).",
        "ORDER_PAID": "An order was paid.",
        "ORDER_CANCELLED": "An order was cancelled, or expired unpaid.",
        "ORDER_FULFILLED": "Every fulfilment of an order left its location: shipped, or collected at a pickup point.",
        "ORDER_COMPLETED": "An order was completed.",
        "ORDER_RETURNED": "Goods of an order were returned.",
        "STOCK_CHANGED": "A stock level moved (a sale, an adjustment, a transfer).",
        "PRODUCT_UPDATED": "A product's details changed.",
        "MEMBER_CREATED": "A member registered.",
        "MEMBER_ERASED": "A member's personal data was erased: erase yours too.",
        "COUPON_REDEEMED": "A coupon was used.",
        "SETTLEMENT_STATEMENT_CONFIRMED": "A settlement statement was confirmed.",
        "PAYMENT_INITIALIZE": "A payment is to start at a payment app: called synchronously by "
        "`transactionInitialize`, its answer is the `clientData` (a PAYMENTS app with this event is a gateway).",
        "PAYMENT_REFUND_REQUESTED": "A paid order of a payment app's transaction was cancelled or returned: "
        "refund the amount and report REFUND_SUCCESS.",
    },
)

WebhookDeliveryStatus = graphql_enum(
    webhooks.WebhookDeliveryStatus,
    "Where a delivery stands.",
    {
        "PENDING": "Not delivered yet: waiting for its first attempt or its next retry.",
        "SUCCEEDED": "The receiver answered 2xx.",
        "FAILED": "Given up: the receiver refused it, or every retry failed.",
    },
)
