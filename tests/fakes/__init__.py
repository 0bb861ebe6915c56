"""An in-memory unit of work for the service-layer tests (the Cosmic Python pattern).

One `FakeUow` serves the inventory, cart, checkout, order and return use cases: each repository
keeps plain dicts and makes the same promises as the SQL one (a stock level refuses a change that
breaks `0 <= reserved <= on_hand`, a cart is claimed once, an order per cart and key is written
once, a coupon is redeemed once). Nothing rolls back: a test of a refused change asserts what
the use case raised, and the SQL tests cover the rollback itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.catalog.model import ChannelKind
from domain.clock import Clock
from domain.inventory.model import FulfilmentMethod, LocationType
from domain.orders.cart_rules import CartLineState, CartState, ChannelInfo, LocationInfo
from tests.fakes.orders import FakeCarts, FakeOrders, FakePromotions, Placed
from tests.fakes.payments import FakeTransactions
from tests.fakes.settlement import FakeSettlement
from tests.fakes.stock import FakeInventory, FakePoints

__all__ = ["FakeInventory", "FakePoints", "FakeUow", "Placed"]

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
WEB, POS = 1, 2  # channels
WAREHOUSE, STORE = 10, 20  # locations
HOME = {"city": "Shanghai", "line1": "1 Nanjing Rd"}


class FakeUow:
    """Every repository the order life cycle touches, and a stopped clock."""

    def __init__(self, now: datetime = T0) -> None:
        self.inventory = FakeInventory()
        self.points = FakePoints()
        self.carts = FakeCarts(self.points)
        self.orders = FakeOrders(self.carts, self.inventory)
        self.promotions = FakePromotions()
        self.transactions = FakeTransactions()
        self.settlement = FakeSettlement(self.orders)
        self.clock: Clock = lambda: now
        self.carts.channels[WEB] = ChannelInfo(WEB, ChannelKind.APP, "CNY", Decimal(1))
        self.carts.channels[POS] = ChannelInfo(POS, ChannelKind.POS, "CNY", Decimal(1))
        self.carts.slugs.update({None: WEB, "web": WEB, "pos": POS})
        self.inventory.locations.update({WAREHOUSE: LocationType.WAREHOUSE, STORE: LocationType.STORE})
        self.carts.stores[STORE] = LocationInfo(STORE, LocationType.STORE, True, True, True)

    def cart(
        self,
        lines: Mapping[int, int],
        *,
        price: Decimal = Decimal("100.00"),
        channel_id: int = WEB,
        member_id: int | None = None,
        staff_id: int | None = None,
        location_id: int | None = None,
        **changes: Any,
    ) -> str:
        """Arrange: a cart of `lines` (variant id -> quantity), each variant at `price` in its channel
        (delivered HOME unless `changes` say otherwise), and the member with an empty points balance."""
        token = f"cart-{len(self.carts.carts) + 1}"
        cart_id = len(self.carts.carts) + 1
        method = None if staff_id is not None else FulfilmentMethod.DELIVERY
        self.carts.carts[token] = replace(
            CartState(cart_id, token, channel_id, member_id, location_id, staff_id, method, None, HOME, 0, False),
            **changes,
        )
        self.carts.lines_of[cart_id] = [CartLineState(100 * cart_id + v, v, q) for v, q in lines.items()]
        for v in lines:
            self.carts.prices_of[(channel_id, v)] = price
            self.inventory.variants.add(v)
        if member_id is not None:
            self.points.balances.setdefault(member_id, 0)
        return token

    def level(self, variant_id: int, location_id: int) -> tuple[int, int]:
        """Assert: (on hand, reserved) of a stock level."""
        lv = self.inventory.levels[(variant_id, location_id)]
        return lv.on_hand, lv.reserved
