"""The demo's order history: members' orders over the year before the demo epoch, with their lines
(SKU, names and price copied from the catalogue), stock allocations, one fulfilment each (at the
location its stock came from), payments, their history (the PAID event, which the data centre counts
as the sale, and the COMPLETED or CANCELLED one that ended them), and the points the completed ones
earned.

Orders are history: they do not change stock levels (the catalogue's stock is what is on the shelf
now) and carry no reservations. Most are COMPLETED; the last month's are partly still PAID; about 5%
were CANCELLED after payment (a CAPTURE and its REFUND). Shipping is free and there are no discounts,
so an order's total is the sum of its lines. Each member's points are their welcome bonus plus one
EARN entry per completed order (one point per yuan, rounded down), so the ledger sums to the balance.

At 1,000,000 orders the rows do not fit comfortably in memory as dicts, so `plan` draws every random
choice into a compact tuple per order first (the balances need all of them before the members are
written), and `rows` turns a slice of the plan into rows, which `db.demo` inserts slice by slice.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any, NamedTuple

from db.demo_settlement import Ledger
from db.order_writes import order_number
from domain.inventory.model import FulfilmentMethod
from domain.members.points import PointsKind, add_months
from domain.orders.access import order_locations
from domain.orders.fulfilment import whole_order_status
from domain.orders.model import OrderStatus
from domain.orders.records import OrderEventType, PaymentKind, PaymentMethod
from domain.settlement.model import Referral
from domain.settlement.services import Sale, SaleLine

Row = dict[str, Any]

HISTORY = timedelta(days=365)
STILL_PAID = timedelta(days=30)  # orders younger than this (at the epoch) may not be completed yet
POINTS_VALIDITY_MONTHS = 24  # the setting's default
ADDRESS = {
    "name": "Demo Member",
    "phone": "+8613800138000",
    "line1": "1 Nanjing East Road",
    "city": "Shanghai",
    "country": "CN",
    "latitude": 31.2355,
    "longitude": 121.4793,
}
_LINES = (1, 1, 2, 2, 2, 3, 3)  # about two lines an order
_QUANTITIES = (1, 1, 1, 1, 2, 2, 3)
_ONLINE_PAY = (PaymentMethod.WECHAT_PAY, PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY)
_TILL_PAY = (PaymentMethod.WECHAT_PAY, PaymentMethod.ALIPAY, PaymentMethod.CARD, PaymentMethod.CASH)
REFERRED_PER_MILLE = 150  # online orders whose shopper scanned a store's referral code


@dataclass(frozen=True)
class Catalogue:
    """What an order line copies: per variant its SKU, name and product's name, and its price per channel."""

    variants: dict[int, tuple[str, str, str]]  # variant id -> (sku, variant name, product name)
    prices: dict[int, dict[int, Decimal]]  # channel id -> variant id -> price
    categories: dict[int, int | None] = field(default_factory=dict)  # variant id -> its product's category
    sellable: dict[int, list[int]] = field(default_factory=dict)  # channel id -> variant ids listed there

    def __post_init__(self) -> None:
        for channel_id, prices in self.prices.items():
            self.sellable[channel_id] = sorted(prices)


class Planned(NamedTuple):
    member_id: int
    created: datetime
    status: OrderStatus
    channel_id: int
    method: FulfilmentMethod
    location_id: int | None  # the store it is attributed to (till, pickup); None for deliveries
    lines: tuple[tuple[int, int], ...]  # (variant id, quantity)


def plan(
    rng: random.Random,
    count: int,
    members: int,
    start: datetime,
    catalogue: Catalogue,
    online: int,
    pos: int,
    store_ids: Sequence[int],
    span: timedelta = HISTORY,
) -> list[Planned]:
    """`count` orders, oldest first, over the `span` (a year) from `start`. Members are drawn skewed towards
    the first ids (member 1 has the most orders: ~1/sqrt(members) of them), as real buyers are."""
    if count and (not members or not catalogue.sellable.get(online) or not store_ids):
        raise ValueError("orders need members, products sold online and stores")
    step = span / max(count, 1)
    paid_from = start + span - STILL_PAID
    planned: list[Planned] = []
    for index in range(count):
        created = (
            start + step * index + timedelta(microseconds=rng.randrange(max(1, step // timedelta(microseconds=1))))
        )
        member_id = 1 + int(members * rng.random() ** 2)
        pick = rng.random()
        if pick < 0.05:
            status = OrderStatus.CANCELLED
        elif created >= paid_from and pick < 0.55:
            status = OrderStatus.PAID
        else:
            status = OrderStatus.COMPLETED
        channel_id = pos if rng.random() < 0.3 and catalogue.sellable.get(pos) else online
        if channel_id == pos:
            method, location_id = FulfilmentMethod.IN_STORE, rng.choice(store_ids)
        elif rng.random() < 0.25:
            method, location_id = FulfilmentMethod.PICKUP, rng.choice(store_ids)
        else:
            method, location_id = FulfilmentMethod.DELIVERY, None
        choices = catalogue.sellable[channel_id]
        variant_ids = {choices[rng.randrange(len(choices))] for _ in range(rng.choice(_LINES))}
        planned.append(
            Planned(
                member_id,
                created,
                status,
                channel_id,
                method,
                location_id,
                tuple((v, rng.choice(_QUANTITIES)) for v in sorted(variant_ids)),
            )
        )
    return planned


def _total(order: Planned, catalogue: Catalogue) -> Decimal:
    prices = catalogue.prices[order.channel_id]
    return sum((prices[v] * q for v, q in order.lines), Decimal(0))


def _earned(order: Planned, total: Decimal) -> int:
    if order.status is not OrderStatus.COMPLETED:
        return 0
    return int(total.to_integral_value(rounding=ROUND_FLOOR))  # one point per yuan, as channels default to


def balances(planned: Sequence[Planned], catalogue: Catalogue, opening: dict[int, int]) -> dict[int, int]:
    """Each member's points after their whole history: `opening` plus what their completed orders earned."""
    result = dict(opening)
    for order in planned:
        earned = _earned(order, _total(order, catalogue))
        if earned:
            result[order.member_id] = result.get(order.member_id, 0) + earned
    return result


@dataclass
class Writer:
    """Turns slices of the plan into rows; keeps the next ids and the running balances between slices."""

    catalogue: Catalogue
    warehouse_id: int
    seed: int  # of the order tokens
    balances: dict[int, int]  # running, starting from the opening balances
    next_points_id: int
    store_ids: Sequence[int] = ()  # the stores a shopper may have been referred by
    ledger: Ledger | None = None  # the settlement set-up: completed orders get their SALE entries
    next_line_id: int = 1
    next_allocation_id: int = 1
    next_payment_id: int = 1
    next_event_id: int = 1
    next_entry_id: int = 1

    def _token(self, order_id: int) -> str:
        """32 hex characters, the same for the same seed (a real order's token is random)."""
        return f"{order_id:08x}" + hashlib.blake2b(f"{self.seed}:{order_id}".encode(), digest_size=12).hexdigest()

    def _referrer(self, order_id: int, order: Planned) -> int | None:
        """The store that referred an online order's shopper, if one did (drawn from the order's own
        hash, so the demo's other draws stay as they were)."""
        if order.method is FulfilmentMethod.IN_STORE or not self.store_ids:
            return None
        digest = hashlib.blake2b(f"referral:{self.seed}:{order_id}".encode(), digest_size=8).digest()
        draw = int.from_bytes(digest, "big")
        return self.store_ids[draw // 1000 % len(self.store_ids)] if draw % 1000 < REFERRED_PER_MILLE else None

    def rows(self, planned: Sequence[Planned], first_id: int) -> dict[str, list[Row]]:
        """Rows of the orders `planned` (ids from `first_id`), keyed orders, lines, allocations, locations,
        fulfilments, payments, events, points, entries, in the order they must be inserted."""
        names = (
            "orders",
            "lines",
            "allocations",
            "locations",
            "fulfilments",
            "payments",
            "events",
            "points",
            "entries",
        )
        out: dict[str, list[Row]] = {name: [] for name in names}
        prices_of = self.catalogue.prices
        variants = self.catalogue.variants
        categories = self.catalogue.categories
        for order_id, order in enumerate(planned, first_id):
            created = order.created
            number = order_number(order_id, created)
            prices = prices_of[order.channel_id]
            total = Decimal(0)
            source = order.location_id if order.location_id is not None else self.warehouse_id
            sale_lines: list[SaleLine] = []
            for variant_id, quantity in order.lines:
                sku, variant_name, product_name = variants[variant_id]
                price = prices[variant_id]
                line_total = price * quantity
                total += line_total
                out["lines"].append(
                    {
                        "id": self.next_line_id,
                        "order_id": order_id,
                        "variant_id": variant_id,
                        "sku": sku,
                        "product_name": product_name,
                        "variant_name": variant_name,
                        "quantity": quantity,
                        "unit_price": price,
                        "discounts": [],
                        "total": line_total,
                        "returned_quantity": 0,
                    }
                )
                out["allocations"].append(
                    {
                        "id": self.next_allocation_id,
                        "order_id": order_id,
                        "order_line_id": self.next_line_id,
                        "variant_id": variant_id,
                        "location_id": source,
                        "quantity": quantity,
                    }
                )
                sale_lines.append(
                    SaleLine(self.next_line_id, quantity, line_total, categories.get(variant_id), ((source, quantity),))
                )
                self.next_line_id += 1
                self.next_allocation_id += 1
            out["locations"].extend(
                {"location_id": loc, "order_id": order_id}
                for loc in sorted(order_locations(order.location_id, [source]))
            )
            earned = _earned(order, total)
            done = created + timedelta(days=3 if order.method is FulfilmentMethod.DELIVERY else 0, minutes=30)
            updated = done if order.status is not OrderStatus.PAID else created + timedelta(minutes=2)
            selling = order.location_id if order.method is FulfilmentMethod.IN_STORE else None
            referrer = self._referrer(order_id, order)
            if self.ledger is not None and order.status is OrderStatus.COMPLETED:
                sale = Sale(
                    "CNY",
                    order.channel_id,
                    selling,
                    Referral(location_id=referrer),
                    Decimal(0),
                    sale_lines,
                    self.ledger.party_of,
                )
                entries = self.ledger.entry_rows(order_id, sale, done, self.next_entry_id)
                self.next_entry_id += len(entries)
                out["entries"].extend(entries)
            out["orders"].append(
                {
                    "id": order_id,
                    "token": self._token(order_id),
                    "number": number,
                    "cart_id": None,
                    "idempotency_key": f"demo-{order_id}",
                    "status": order.status,
                    "channel_id": order.channel_id,
                    "member_id": order.member_id,
                    "location_id": order.location_id,
                    "staff_id": None,
                    "fulfilment_method": order.method,
                    "pickup_location_id": order.location_id if order.method is FulfilmentMethod.PICKUP else None,
                    "address": ADDRESS if order.method is FulfilmentMethod.DELIVERY else None,
                    "tracking_number": None,
                    "selling_location_id": selling,
                    "referring_location_id": referrer,
                    "guide_id": None,
                    "guide_location_id": None,
                    "currency": "CNY",
                    "subtotal": total,
                    "discount_total": Decimal(0),
                    "points_discount": Decimal(0),
                    "shipping": Decimal(0),
                    "total": total,
                    "points_spent": 0,
                    "points_earned": earned,
                    "coupon_code": None,
                    "points_multiplier": Decimal(1),
                    "pickup_code_hash": None,
                    "pickup_attempts": 0,
                    "expires_at": None,
                    "created_at": created,
                    "updated_at": updated,
                }
            )
            out["fulfilments"].append(
                {
                    "id": order_id,
                    "order_id": order_id,
                    "location_id": source,
                    "status": whole_order_status(order.status),
                    "tracking_number": None,
                    "created_at": created,
                    "updated_at": updated,
                }
            )
            method = (_TILL_PAY if order.method is FulfilmentMethod.IN_STORE else _ONLINE_PAY)[order_id % 3]
            paid_at = created + timedelta(minutes=2)
            payment = {"order_id": order_id, "method": method, "amount": total, "currency": "CNY", "staff_id": None}
            out["payments"].append(
                {
                    "id": self.next_payment_id,
                    "kind": PaymentKind.CAPTURE,
                    "reference": f"demo-pay-{order_id}",
                    "created_at": paid_at,
                    **payment,
                }
            )
            self.next_payment_id += 1
            if order.status is OrderStatus.CANCELLED:
                out["payments"].append(
                    {
                        "id": self.next_payment_id,
                        "kind": PaymentKind.REFUND,
                        "reference": f"demo-refund-{order_id}",
                        "created_at": updated,
                        **payment,
                    }
                )
                self.next_payment_id += 1
            # Its history: the payment (what the data centre counts as the sale), then how it ended.
            history = [(OrderEventType.PAID, paid_at, {"method": method.value, "amount": str(total)})]
            if order.status is not OrderStatus.PAID:
                ended = OrderEventType.COMPLETED if order.status is OrderStatus.COMPLETED else OrderEventType.CANCELLED
                history.append((ended, updated, {}))
            for event, at, data in history:
                out["events"].append(
                    {
                        "id": self.next_event_id,
                        "order_id": order_id,
                        "type": event,
                        "data": data,
                        "staff_id": None,
                        "member_id": order.member_id,
                        "created_at": at,
                    }
                )
                self.next_event_id += 1
            if earned:
                balance = self.balances.get(order.member_id, 0) + earned
                self.balances[order.member_id] = balance
                out["points"].append(
                    {
                        "id": self.next_points_id,
                        "member_id": order.member_id,
                        "kind": PointsKind.EARN,
                        "delta": earned,
                        "balance_after": balance,
                        "reason": "order completed",
                        "reference": f"order:{number}",
                        "channel_id": order.channel_id,
                        "staff_id": None,
                        "expires_at": add_months(done, POINTS_VALIDITY_MONTHS),
                        "created_at": done,
                    }
                )
                self.next_points_id += 1
        return out
