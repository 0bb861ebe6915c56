"""What an order accumulates besides its lines: payments (money in and out) and events (its history).

Both are append-only: a payment is never edited (a refund is a new REFUND row) and an event is
never edited or deleted, so an order's history can always be replayed.
"""

from __future__ import annotations

from enum import Enum


class PaymentMethod(str, Enum):
    CASH = "CASH"
    CARD = "CARD"
    WECHAT_PAY = "WECHAT_PAY"
    ALIPAY = "ALIPAY"
    SANDBOX = "SANDBOX"


# Methods only a cashier can vouch for (money changed hands at the till or through its terminal).
# The buyer's own client may record only SANDBOX payments (where offered); real money online comes
# through payment apps, which report their charges themselves (domain/payments/).
STAFF_ONLY_METHODS = frozenset({PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY})


class PaymentKind(str, Enum):
    CAPTURE = "CAPTURE"  # money received
    REFUND = "REFUND"  # money given back (a paid order cancelled, goods returned)


class OrderEventType(str, Enum):
    PLACED = "PLACED"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    PICKUP_CODE_REJECTED = "PICKUP_CODE_REJECTED"
    PICKED_UP = "PICKED_UP"
    COMPLETED = "COMPLETED"
    RETURNED = "RETURNED"
    REFUNDED = "REFUNDED"
    REFUND_FAILED = "REFUND_FAILED"  # a payment app reported it could not give money back: staff follow up
    POINTS_EARNED = "POINTS_EARNED"
    COUPON_RETURNED = "COUPON_RETURNED"  # the unpaid order was cancelled: its coupon can be used again
