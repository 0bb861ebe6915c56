"""Cart and order totals, always computed on the server.

    total = subtotal - discountTotal - pointsDiscount + shipping

Lines carry their own discounts (label and amount, filled by the promotion engine); points
pay for part of what is left, at the channel's rate and up to a share of it; shipping
follows the channel's rule (a flat rate, free over a threshold; nothing for pickup and
in-store sales). Every amount is in the currency's minor units; nothing goes negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from domain.inventory.model import FulfilmentMethod
from domain.money import quantum, round_to_minor


@dataclass(frozen=True, slots=True)
class Discount:
    label: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class PricedLine:
    key: str
    variant_id: int
    quantity: int
    unit_price: Decimal
    discounts: tuple[Discount, ...] = ()

    @property
    def gross(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def discount(self) -> Decimal:
        return min(self.gross, sum((d.amount for d in self.discounts), Decimal(0)))

    @property
    def total(self) -> Decimal:
        return self.gross - self.discount


@dataclass(frozen=True, slots=True)
class ShippingRule:
    flat_rate: Decimal = Decimal(0)
    free_over: Decimal | None = None  # merchandise at or above this ships free

    def charge(self, method: FulfilmentMethod | None, merchandise: Decimal, free_shipping: bool = False) -> Decimal:
        if method not in (FulfilmentMethod.DELIVERY, FulfilmentMethod.ENDLESS_AISLE) or free_shipping:
            return Decimal(0)
        if self.free_over is not None and merchandise >= self.free_over:
            return Decimal(0)
        return self.flat_rate


@dataclass(frozen=True, slots=True)
class PointsRule:
    """Points as payment: each point is worth `value` (e.g. 0.01 CNY) and may pay at most
    `max_share` of what is payable after discounts."""

    value: Decimal = Decimal("0.01")
    max_share: Decimal = Decimal("0.5")

    def usable(self, requested: int, payable: Decimal, currency: str) -> int:
        if requested <= 0 or self.value <= 0 or payable <= 0:
            return 0
        cap = (payable * self.max_share).quantize(quantum(currency), rounding=ROUND_FLOOR)
        return max(0, min(requested, int((cap / self.value).to_integral_value(rounding=ROUND_FLOOR))))


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    points_spent: int
    points_discount: Decimal
    shipping: Decimal
    total: Decimal
    lines: tuple[PricedLine, ...] = field(default=())


def compute_totals(
    lines: Sequence[PricedLine],
    currency: str,
    *,
    method: FulfilmentMethod | None,
    shipping: ShippingRule,
    points: PointsRule,
    points_requested: int = 0,
    free_shipping: bool = False,
) -> Totals:
    subtotal = round_to_minor(sum((ln.gross for ln in lines), Decimal(0)), currency)
    discount_total = round_to_minor(sum((ln.discount for ln in lines), Decimal(0)), currency)
    merchandise = subtotal - discount_total
    ship = round_to_minor(shipping.charge(method, merchandise, free_shipping), currency)
    spent = points.usable(points_requested, merchandise + ship, currency)
    points_discount = round_to_minor(points.value * spent, currency)
    total = merchandise + ship - points_discount
    return Totals(currency, subtotal, discount_total, spent, points_discount, ship, total, tuple(lines))
