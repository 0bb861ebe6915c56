"""Steps shared by the order service tests: arrange an order through the real use cases (checkout,
payment, shipping, delivery) over the in-memory unit of work, with a payment provider that
approves everything."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.access.model import Principal, StaffRole, member, staff
from domain.errors import DomainError
from domain.members.points_services import PointsPolicy
from domain.orders.checkout import OrderRef, complete_checkout
from domain.orders.fulfilment_services import deliver_order, ship_order
from domain.orders.payments import PaymentRequest, Payments
from domain.orders.records import OrderEventType, PaymentMethod
from domain.orders.returns import ReturnRequest, return_goods
from domain.orders.services import pay_order
from domain.promotions.coupons import CouponInfo, TemplateInfo
from domain.promotions.model import Conditions, PercentOff, Promotion
from domain.promotions.records import CouponState, RedeemWhere
from tests.fakes import STORE, WAREHOUSE, FakeUow, Placed

SHOES, ANNA = 1, 5
BUYER = member(ANNA)
SERVICE = staff(90, StaffRole.ADMIN)
PACKER = staff(91, StaffRole.FULFILLMENT, WAREHOUSE)
CASHIER = staff(92, StaffRole.CASHIER, STORE)
PACKER_AT_STORE = staff(97, StaffRole.FULFILLMENT, STORE)  # sees the store's orders, is not its till
CASHIER_AT_WAREHOUSE = staff(96, StaffRole.CASHIER, WAREHOUSE)  # sees its orders, does not ship them
POLICY = PointsPolicy()


class Provider:
    """A payment provider that approves everything and remembers what it was asked."""

    def __init__(self) -> None:
        self.refunds: list[tuple[PaymentRequest, str | None]] = []

    async def capture(self, request: PaymentRequest) -> str:
        return f"cap-{request.amount}"

    async def refund(self, request: PaymentRequest, capture_reference: str | None) -> str:
        self.refunds.append((request, capture_reference))
        return f"ref-{request.amount}"


PROVIDER = Provider()
PAYMENTS = Payments({m: PROVIDER for m in PaymentMethod})


async def place(uow: FakeUow, quantity: int = 2, principal: Principal = BUYER, **cart: Any) -> Placed:
    """Arrange: an unpaid order for `quantity` shoes at 100.00 from the warehouse (5 on hand)."""
    uow.inventory.stock(SHOES, WAREHOUSE, 5)
    cart.setdefault("member_id", ANNA)
    ref: OrderRef = await complete_checkout(uow, principal, uow.cart({SHOES: quantity}, **cart), "k", secret="s")
    return uow.orders.placed[ref.id]


async def pay(uow: FakeUow, order: Placed, principal: Principal = BUYER, **kw: Any) -> None:
    kw.setdefault("method", PaymentMethod.SANDBOX)
    kw.setdefault("amount", order.state.total)
    await pay_order(uow, principal, order.state.token, policy=POLICY, payments=PAYMENTS, **kw)


async def refused(call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


def events(order: Placed) -> list[OrderEventType]:
    return [t for t, _ in order.events]


def give_coupon(uow: FakeUow, percent: int = 10, owner: int = ANNA) -> CouponInfo:
    """Arrange: a coupon TENOFF taking `percent` % off, held by `owner`."""
    rule = Promotion(3, "Ten off", 100, True, Conditions(), PercentOff(Decimal(percent)))
    template = TemplateInfo(3, rule, None, None, None, None, None, 1, 1, RedeemWhere.ANYWHERE, True)
    coupon = CouponInfo(4, "TENOFF", 3, owner, CouponState.ACTIVE, None, None)
    uow.promotions.coupons[coupon.code] = (coupon, template)
    return coupon


async def completed(uow: FakeUow) -> Placed:
    """Arrange: a delivered order of two shoes that earned the buyer 200 points."""
    order = await place(uow)
    await pay(uow, order)
    await ship_order(uow, PACKER, order.state.token, tracking_number=None)
    await deliver_order(uow, PACKER, order.state.token, policy=POLICY)
    return order


async def give_back(uow: FakeUow, order: Placed, quantity: int, location_id: int | None = None) -> None:
    await return_goods(
        uow,
        SERVICE,
        order.state.token,
        [ReturnRequest(order.lines[0].id, quantity)],
        location_id=location_id,
        location_given=location_id is not None,
        payments=PAYMENTS,
    )
