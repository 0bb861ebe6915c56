"""The order state machine through its use cases, over the in-memory unit of work: paying,
shipping, delivering, picking up, cancelling (stock released, points and coupons back) and
returning (stock back on the shelf, money refunded, points clawed back)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.access.model import ANONYMOUS, StaffRole, member, staff
from domain.inventory.model import FulfilmentMethod, MovementKind
from domain.members.points import PointsKind
from domain.orders.access import AccessDenied
from domain.orders.checkout import complete_checkout
from domain.orders.fulfilment_services import deliver_order, ship_order
from domain.orders.model import OrderStatus
from domain.orders.payments import Payments
from domain.orders.records import OrderEventType, PaymentKind, PaymentMethod
from domain.orders.services import cancel_order, expire_order, pay_order, pick_up, ready_for_pickup
from tests.fakes import POS, STORE, WAREHOUSE, FakeUow, Placed
from tests.order_steps import (
    ANNA,
    BUYER,
    CASHIER,
    CASHIER_AT_WAREHOUSE,
    PACKER,
    PACKER_AT_STORE,
    PAYMENTS,
    POLICY,
    PROVIDER,
    SERVICE,
    SHOES,
    events,
    give_coupon,
    pay,
    place,
    refused,
)

# --- paying --------------------------------------------------------------------------------------


async def test_the_buyer_pays_exactly_what_is_due() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    assert order.state.status is OrderStatus.PAID and order.extra["expires_at"] is None
    assert [(p.kind, p.amount, p.reference) for p in order.payments] == [
        (PaymentKind.CAPTURE, Decimal("200.00"), "cap-200.00")
    ]
    assert events(order) == [OrderEventType.PLACED, OrderEventType.PAID]


async def test_a_payment_of_another_amount_is_refused() -> None:
    uow = FakeUow()
    order = await place(uow)
    error = await refused(pay(uow, order, amount=Decimal("199.99")))
    assert (error.code, error.field) == ("INVALID", ["input", "amount"])
    assert order.payments == [] and order.state.status is OrderStatus.UNPAID


async def test_only_the_till_vouches_for_cash() -> None:
    uow = FakeUow()
    order = await place(uow)
    error = await refused(pay(uow, order, method=PaymentMethod.CASH))
    assert error.code == "PAYMENT_METHOD_UNAVAILABLE"


async def test_an_order_of_another_member_does_not_exist_for_them() -> None:
    uow = FakeUow()
    order = await place(uow)
    assert (await refused(pay(uow, order, member(ANNA + 1)))).code == "NOT_FOUND"


async def test_a_paid_order_is_not_paid_again() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    assert (await refused(pay(uow, order))).code == "INVALID_TRANSITION"


async def test_paying_at_the_till_completes_an_in_store_sale_and_earns_points() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 3)
    token = uow.cart({SHOES: 1}, channel_id=POS, staff_id=CASHIER.id, location_id=STORE, member_id=ANNA)
    ref = await complete_checkout(uow, CASHIER, token, "k", secret="s")
    order = uow.orders.placed[ref.id]
    await pay(uow, order, CASHIER, method=PaymentMethod.CASH)
    assert order.state.status is OrderStatus.COMPLETED
    assert uow.level(SHOES, STORE) == (2, 0), "the unit left the shelf"
    assert uow.points.kinds(ANNA) == [(PointsKind.EARN, 100)] and order.state.points_earned == 100


async def test_customer_service_records_a_payment_but_not_money_taken_at_a_till() -> None:
    uow = FakeUow()
    order = await place(uow)
    assert (await refused(pay(uow, order, SERVICE, method=PaymentMethod.CARD))).code == "PAYMENT_METHOD_UNAVAILABLE"
    await pay(uow, order, SERVICE)
    assert order.state.status is OrderStatus.PAID


async def test_a_method_the_shop_does_not_offer_is_unavailable() -> None:
    uow = FakeUow()
    order = await place(uow)
    closed = Payments({PaymentMethod.SANDBOX: PROVIDER}, offered=[])
    error = await refused(
        pay_order(
            uow,
            BUYER,
            order.state.token,
            method=PaymentMethod.SANDBOX,
            amount=Decimal(200),
            policy=POLICY,
            payments=closed,
        )
    )
    assert error.code == "PAYMENT_METHOD_UNAVAILABLE" and order.payments == []


async def test_a_wholly_discounted_order_is_confirmed_with_nothing_due() -> None:
    uow = FakeUow()
    give_coupon(uow, percent=100)
    uow.inventory.stock(SHOES, STORE, 1)
    order = await place(
        uow, 1, coupon_code="TENOFF", method=FulfilmentMethod.PICKUP, pickup_location_id=STORE, address=None
    )
    assert order.state.total == 0
    await pay(uow, order, method=PaymentMethod.CASH)  # no money moves, so no till needs to vouch for it
    assert order.state.status is OrderStatus.PAID and order.payments == []


async def test_a_guest_order_is_paid_by_whoever_holds_its_id_and_earns_no_points() -> None:
    uow = FakeUow()
    order = await place(uow, principal=ANONYMOUS, member_id=None)
    await pay(uow, order, ANONYMOUS)
    await ship_order(uow, PACKER, order.state.token, tracking_number=None)
    await deliver_order(uow, PACKER, order.state.token, policy=POLICY)
    assert (order.state.status, order.state.points_earned) == (OrderStatus.COMPLETED, 0)
    assert OrderEventType.POINTS_EARNED not in events(order)


# --- shipping and delivering ---------------------------------------------------------------------


async def test_shipping_sells_the_reserved_units() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    await ship_order(uow, PACKER, order.state.token, tracking_number=" SF123 ")
    assert order.state.status is OrderStatus.SHIPPED and order.extra["tracking_number"] == "SF123"
    assert uow.level(SHOES, WAREHOUSE) == (3, 0)
    assert uow.inventory.movements[-1].kind is MovementKind.SALE


async def test_an_unpaid_order_is_not_shipped() -> None:
    uow = FakeUow()
    order = await place(uow)
    error = await refused(ship_order(uow, PACKER, order.state.token, tracking_number=None))
    assert error.code == "INVALID_TRANSITION"
    assert uow.level(SHOES, WAREHOUSE) == (5, 2)


async def test_only_fulfilment_staff_of_a_location_the_order_belongs_to_ship_it() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    elsewhere = staff(93, StaffRole.FULFILLMENT, STORE)
    error = await refused(ship_order(uow, elsewhere, order.state.token, tracking_number=None))
    assert error.code == "NOT_FOUND", "store staff do not see another location's orders"
    with pytest.raises(AccessDenied):
        await ship_order(uow, CASHIER_AT_WAREHOUSE, order.state.token, tracking_number=None)


async def test_a_tracking_number_has_at_most_100_characters() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    error = await refused(ship_order(uow, PACKER, order.state.token, tracking_number="X" * 101))
    assert (error.code, error.field) == ("INVALID", ["input", "trackingNumber"])
    assert order.state.status is OrderStatus.PAID


async def test_the_buyer_does_not_ship_their_own_order() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    with pytest.raises(AccessDenied):
        await ship_order(uow, BUYER, order.state.token, tracking_number=None)


async def test_a_delivery_order_is_not_made_ready_for_pickup() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    assert (await refused(ready_for_pickup(uow, PACKER, order.state.token))).code == "INVALID_TRANSITION"


async def test_delivery_completes_the_order_and_the_member_earns_what_they_paid() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    await ship_order(uow, PACKER, order.state.token, tracking_number=None)
    await deliver_order(uow, PACKER, order.state.token, policy=POLICY)
    assert order.state.status is OrderStatus.COMPLETED and order.state.points_earned == 200
    assert uow.points.balances[ANNA] == 200
    assert events(order)[-3:] == [OrderEventType.DELIVERED, OrderEventType.COMPLETED, OrderEventType.POINTS_EARNED]


# --- pickup --------------------------------------------------------------------------------------


async def picked(uow: FakeUow) -> tuple[Placed, str]:
    uow.inventory.stock(SHOES, STORE, 3)
    token = uow.cart({SHOES: 1}, member_id=ANNA, method=FulfilmentMethod.PICKUP, pickup_location_id=STORE, address=None)
    ref = await complete_checkout(uow, BUYER, token, "k", secret="s")
    order = uow.orders.placed[ref.id]
    await pay(uow, order)
    assert ref.pickup_code is not None
    return order, ref.pickup_code


async def test_the_pickup_code_hands_the_order_over_and_sells_its_units() -> None:
    uow = FakeUow()
    order, code = await picked(uow)
    keeper = staff(94, StaffRole.STORE_MANAGER, STORE)
    await ready_for_pickup(uow, keeper, order.state.token)
    await pick_up(uow, keeper, order.state.token, code, policy=POLICY)
    assert order.state.status is OrderStatus.COMPLETED
    assert uow.level(SHOES, STORE) == (2, 0)


async def test_wrong_pickup_codes_are_counted_and_kept_until_the_order_is_refused() -> None:
    uow = FakeUow()
    order, code = await picked(uow)
    keeper = staff(94, StaffRole.STORE_MANAGER, STORE)
    await ready_for_pickup(uow, keeper, order.state.token)
    for left in (4, 3, 2, 1, 0):
        error = await refused(pick_up(uow, keeper, order.state.token, "000000", policy=POLICY))
        assert (error.code, error.keep_writes) == ("PICKUP_CODE_INVALID", True)
        assert f"({left} tries left)" in error.message
    error = await refused(pick_up(uow, keeper, order.state.token, code, policy=POLICY))
    assert (error.code, order.state.pickup_attempts) == ("PICKUP_CODE_INVALID", 5)
    assert order.state.status is OrderStatus.READY_FOR_PICKUP and uow.level(SHOES, STORE) == (3, 1)


async def test_only_the_pickup_stores_staff_hand_over_its_orders() -> None:
    uow = FakeUow()
    order, _ = await picked(uow)
    error = await refused(ready_for_pickup(uow, staff(95, StaffRole.STORE_MANAGER, WAREHOUSE), order.state.token))
    assert error.code == "NOT_FOUND"
    with pytest.raises(AccessDenied):
        await ready_for_pickup(uow, BUYER, order.state.token)  # sees it, does not hand it over


# --- cancelling and expiring ---------------------------------------------------------------------


async def test_cancelling_releases_stock_and_gives_spent_points_and_the_coupon_back() -> None:
    uow = FakeUow()
    give_coupon(uow)
    uow.points.balances[ANNA] = 5000
    order = await place(uow, points=2000, coupon_code="TENOFF")
    assert uow.points.balances[ANNA] == 3000 and uow.promotions.redeemed
    await cancel_order(uow, BUYER, order.state.token, policy=POLICY, payments=PAYMENTS)
    assert order.state.status is OrderStatus.CANCELLED
    assert uow.level(SHOES, WAREHOUSE) == (5, 0)
    assert uow.points.kinds(ANNA) == [(PointsKind.SPEND, -2000), (PointsKind.REFUND, 2000)]
    assert uow.promotions.redeemed == {}
    assert events(order)[-2:] == [OrderEventType.CANCELLED, OrderEventType.COUPON_RETURNED]


async def test_a_paid_order_is_cancelled_by_customer_service_with_a_refund() -> None:
    uow = FakeUow()
    give_coupon(uow)
    order = await place(uow, coupon_code="TENOFF")
    await pay(uow, order)
    assert (await refused(cancel_order(uow, BUYER, order.state.token, policy=POLICY, payments=PAYMENTS))).code == (
        "INVALID_TRANSITION"
    )
    await cancel_order(uow, SERVICE, order.state.token, policy=POLICY, payments=PAYMENTS)
    assert order.state.status is OrderStatus.CANCELLED and uow.level(SHOES, WAREHOUSE) == (5, 0)
    assert [(p.kind, p.amount) for p in order.payments][-1] == (PaymentKind.REFUND, order.state.total)
    assert uow.promotions.redeemed, "a paid order's coupon stays used: the refund gave back what was paid"
    assert events(order)[-1] is OrderEventType.REFUNDED


async def test_the_refund_goes_back_through_the_provider_against_the_capture() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    PROVIDER.refunds.clear()
    await cancel_order(uow, SERVICE, order.state.token, policy=POLICY, payments=PAYMENTS)
    [(request, capture)] = PROVIDER.refunds
    assert (request.amount, request.order_reference, capture) == (
        Decimal("200.00"),
        order.state.reference,
        "cap-200.00",
    )
    assert order.payments[-1].reference == "ref-200.00"


async def test_the_till_cancels_an_unpaid_order_of_its_store() -> None:
    uow = FakeUow()
    uow.inventory.stock(SHOES, STORE, 3)
    token = uow.cart({SHOES: 1}, channel_id=POS, staff_id=CASHIER.id, location_id=STORE, member_id=ANNA)
    order = uow.orders.placed[(await complete_checkout(uow, CASHIER, token, "k", secret="s")).id]
    with pytest.raises(AccessDenied):
        await cancel_order(uow, PACKER_AT_STORE, order.state.token, policy=POLICY, payments=PAYMENTS)
    await cancel_order(uow, CASHIER, order.state.token, policy=POLICY, payments=PAYMENTS)
    assert order.state.status is OrderStatus.CANCELLED and uow.level(SHOES, STORE) == (3, 0)


async def test_a_shipped_order_is_not_cancelled() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    await ship_order(uow, PACKER, order.state.token, tracking_number=None)
    error = await refused(cancel_order(uow, SERVICE, order.state.token, policy=POLICY, payments=PAYMENTS))
    assert error.code == "INVALID_TRANSITION"


async def test_the_expiry_job_leaves_a_paid_order_alone() -> None:
    uow = FakeUow()
    order = await place(uow)
    await pay(uow, order)
    assert not await expire_order(uow, order.state.token, policy=POLICY, now=uow.clock())
    assert order.state.status is OrderStatus.PAID and uow.level(SHOES, WAREHOUSE) == (5, 2)


async def test_an_unpaid_order_expires_once_releasing_its_stock() -> None:
    uow = FakeUow()
    order = await place(uow)
    assert await expire_order(uow, order.state.token, policy=POLICY, now=uow.clock())
    assert not await expire_order(uow, order.state.token, policy=POLICY, now=uow.clock())
    assert uow.level(SHOES, WAREHOUSE) == (5, 0) and events(order)[-1] is OrderEventType.EXPIRED
