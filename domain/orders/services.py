"""Order use cases after checkout: pay, cancel (or expire), ready for pickup, pick up (shipping and
delivery go by fulfilment: domain/orders/fulfilment_services.py).

Each runs in the caller's transaction and starts by locking the order row, so two requests never
move one order at once; the next status always comes from `model.transition` (INVALID_TRANSITION
otherwise), and every step appends an order event. Stock follows the order: reserved units are
sold when shipped, collected or paid at the till, and released on cancellation; points are
earned when an order completes and spent points come back when it is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from domain.access.model import ANONYMOUS, Permission, Principal
from domain.errors import Code, DomainError, input_field
from domain.inventory.model import Allocation, FulfilmentMethod, MovementKind
from domain.inventory.services import InventoryUnitOfWork, move_allocations
from domain.members.points import points_earned
from domain.members.points_services import PointsPolicy, PointsUnitOfWork, earn_points, refund_points
from domain.money import parse_amount, round_to_minor
from domain.orders.access import AccessDenied, acts_on, is_buyer, is_scoped, sees_order, sells_at, serves_store
from domain.orders.fulfilment import FulfilmentAction, FulfilmentState, FulfilmentStatus, fulfilment_transition
from domain.orders.model import OrderAction, OrderStatus, transition
from domain.orders.payments import PaymentRequest, Payments, unavailable
from domain.orders.pickup import MAX_ATTEMPTS, pickup_code_matches
from domain.orders.records import STAFF_ONLY_METHODS, OrderEventType, PaymentKind, PaymentMethod
from domain.payments.model import TransactionsRepository, gateway_paid
from domain.payments.refunds import request_refunds
from domain.settlement.services import SettlementUnitOfWork, record_sale


@dataclass(frozen=True, slots=True)
class OrderState:
    id: int
    token: str
    number: str
    status: OrderStatus
    method: FulfilmentMethod
    channel_id: int
    member_id: int | None
    location_id: int | None
    pickup_location_id: int | None
    currency: str
    total: Decimal
    points_spent: int
    points_earned: int
    pickup_code_hash: str | None
    pickup_attempts: int
    points_per_unit: Decimal  # the channel's earning rate
    points_multiplier: Decimal = Decimal(1)  # what the order's promotions multiply earned points by
    locations: frozenset[int] = frozenset()  # where it belongs (access.order_locations); read for store staff

    @property
    def reference(self) -> str:
        return f"order:{self.number}"


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    kind: PaymentKind
    method: PaymentMethod
    amount: Decimal
    reference: str | None = None  # the provider's transaction reference


class OrdersRepository(Protocol):
    async def order(self, token: str) -> OrderState | None:
        """The order, locked until the transaction ends."""
        ...

    async def locations(self, order_id: int) -> frozenset[int]:
        """The locations the order belongs to (`access.order_locations`)."""
        ...

    async def set_status(self, order_id: int, status: OrderStatus) -> None: ...
    async def end_payment_wait(self, order_id: int, status: OrderStatus) -> None:
        """Paid or cancelled: the new status, and the order no longer expires."""
        ...

    async def record_shipment(self, order_id: int, status: OrderStatus, tracking_number: str | None) -> None: ...
    async def record_completion(self, order_id: int, points_earned: int) -> None:
        """COMPLETED, with the points the member earned on it."""
        ...

    async def record_pickup_attempt(self, order_id: int) -> None:
        """One more wrong pickup code."""
        ...

    async def allocations(self, order_id: int) -> list[Allocation]: ...
    async def fulfilments(self, order_id: int) -> list[FulfilmentState]:
        """The order's fulfilments, in id order."""
        ...

    async def fulfilment_order(self, fulfilment_id: int) -> str | None:
        """The token of the order the fulfilment belongs to."""
        ...

    async def set_fulfilments(self, ids: Sequence[int], status: FulfilmentStatus) -> None: ...
    async def record_fulfilment_shipment(self, ids: Sequence[int], tracking_number: str | None) -> None:
        """SHIPPED, with the carrier's tracking number."""
        ...

    async def payments(self, order_id: int) -> list[PaymentRecord]: ...
    async def add_payment(self, order_id: int, payment: PaymentRecord, currency: str, staff_id: int | None) -> None: ...
    async def add_event(
        self,
        order_id: int,
        type: OrderEventType,
        data: Mapping[str, Any],
        *,
        staff_id: int | None,
        member_id: int | None,
    ) -> None: ...
    async def expired(self, now: datetime, limit: int) -> list[str]:
        """Tokens of unpaid orders whose time ran out, oldest first."""
        ...


class CouponReturns(Protocol):
    async def restore(self, order_id: int) -> list[str]:
        """Make the coupons the order redeemed usable again; their codes."""
        ...


class OrdersUnitOfWork(InventoryUnitOfWork, PointsUnitOfWork, SettlementUnitOfWork, Protocol):
    @property
    def orders(self) -> OrdersRepository: ...
    @property
    def promotions(self) -> CouponReturns: ...
    @property
    def transactions(self) -> TransactionsRepository: ...  # payment apps' money for the order


class MoneyMoved(Protocol):
    """A payment as any layer holds it (a `PaymentRecord`, a stored row): its direction and amount."""

    @property
    def kind(self) -> PaymentKind: ...
    @property
    def amount(self) -> Decimal: ...


def paid_amount(payments: Iterable[MoneyMoved]) -> Decimal:
    """Money received less money given back."""
    return sum((p.amount if p.kind is PaymentKind.CAPTURE else -p.amount for p in payments), Decimal(0))


async def load_order(uow: OrdersUnitOfWork, principal: Principal, token: str | None) -> OrderState:
    """The order, locked; NOT_FOUND unless the caller sees it (store staff: their location's)."""
    order = await uow.orders.order(token) if token else None
    if order is not None and is_scoped(principal):
        order = replace(order, locations=await uow.orders.locations(order.id))
    if order is None or not sees_order(order.member_id, order.locations, principal):
        raise DomainError(Code.NOT_FOUND, "No such order.", ["id"])
    return order


async def close_fulfilments(uow: OrdersUnitOfWork, order_id: int, action: FulfilmentAction) -> None:
    """Hand over or cancel every fulfilment of the order that is not yet cancelled (INVALID_TRANSITION
    when one has already left: a partly shipped order is not cancelled)."""
    parts = [f for f in await uow.orders.fulfilments(order_id) if f.status is not FulfilmentStatus.CANCELLED]
    statuses = {fulfilment_transition(f.status, action) for f in parts}  # all PENDING: one status after
    for status in statuses:
        await uow.orders.set_fulfilments([f.id for f in parts], status)


async def record_event(
    uow: OrdersUnitOfWork, order: OrderState, principal: Principal, type: OrderEventType, **data: Any
) -> None:
    await uow.orders.add_event(order.id, type, data, staff_id=principal.staff_id, member_id=principal.member_id)


async def complete_order(
    uow: OrdersUnitOfWork, order: OrderState, principal: Principal, policy: PointsPolicy, now: datetime
) -> None:
    """COMPLETED: a member earns points on what they paid, at the channel's rate (times the order's
    points multiplier, when a promotion gave one)."""
    earned = (
        points_earned(order.total, order.points_per_unit, order.points_multiplier) if order.member_id is not None else 0
    )
    if earned and order.member_id is not None:
        await earn_points(
            uow, order.member_id, earned, order.reference, policy=policy, channel_id=order.channel_id, now=now
        )
    await uow.orders.record_completion(order.id, earned)
    await record_sale(uow, order.id, now)  # the settlement ledger: each line's split, in this transaction
    await record_event(uow, order, principal, OrderEventType.COMPLETED)
    if earned:
        await record_event(uow, order, principal, OrderEventType.POINTS_EARNED, points=earned)


async def pay_order(
    uow: OrdersUnitOfWork,
    principal: Principal,
    token: str | None,
    *,
    method: PaymentMethod,
    amount: Decimal,
    policy: PointsPolicy,
    payments: Payments,
    now: datetime | None = None,
) -> str:
    """Record a payment of exactly what is due. At the till, an IN_STORE order completes at once:
    its units leave the shelf and the member earns points. Only staff selling at the order's store
    vouch for money taken at a till (cash, the terminal, a scanned code): nobody else saw it change
    hands, so neither the buyer nor customer service elsewhere may record it. An order with nothing
    due (wholly discounted) is confirmed with an amount of 0 whatever the method: no money moves."""
    now = now or uow.clock()
    order = await load_order(uow, principal, token)
    till = may_pay(order, principal)
    status = transition(order.status, OrderAction.PAY, order.method)
    value = parse_amount(amount, order.currency, input_field("amount"))
    received = paid_amount(await uow.orders.payments(order.id))
    due = order.total - received - gateway_paid(await uow.transactions.for_order(order.id))
    if value != due:
        raise DomainError(
            Code.INVALID,
            f"The amount due is {round_to_minor(due, order.currency)} {order.currency}.",
            input_field("amount"),
        )
    if due > 0:
        if method in STAFF_ONLY_METHODS and not till:
            raise unavailable(method, " here: they are taken at the till of the order's store")
        reference = await payments.capture(PaymentRequest(order.reference, method, value, order.currency))
        await uow.orders.add_payment(
            order.id, PaymentRecord(PaymentKind.CAPTURE, method, value, reference), order.currency, principal.staff_id
        )
    await settle_paid(uow, order, principal, status, policy, now, method=method.value, amount=str(value))
    return order.token


def may_pay(order: OrderState, principal: Principal) -> bool:
    """Whether the caller may pay the order (AccessDenied otherwise): the buyer, the till of its store,
    customer service. Returns whether the caller is the till (which alone vouches for cash)."""
    till = sells_at(order.location_id, principal)
    customer_service = acts_on(Permission.MANAGE_ORDERS, order.locations, principal)
    if not (till or customer_service or is_buyer(order.member_id, principal)):
        raise AccessDenied("Only the buyer, the order's store or customer service take payments.")
    return till


async def settle_paid(
    uow: OrdersUnitOfWork,
    order: OrderState,
    principal: Principal,
    status: OrderStatus,
    policy: PointsPolicy,
    now: datetime,
    **event: str,
) -> None:
    """The order is paid (by a payment recorded here, or by a payment app's charge): it stops expiring,
    its PAID event is written (and announced to webhooks), and an IN_STORE order completes at once:
    its units leave the shelf and the member earns points."""
    await uow.orders.end_payment_wait(order.id, status)
    await record_event(uow, order, principal, OrderEventType.PAID, **event)
    if order.method is FulfilmentMethod.IN_STORE:
        transition(status, OrderAction.COMPLETE_IN_STORE, order.method)
        await close_fulfilments(uow, order.id, FulfilmentAction.HAND_OVER)
        await move_allocations(
            uow, await uow.orders.allocations(order.id), MovementKind.SALE, order.reference, staff_id=principal.staff_id
        )
        await complete_order(uow, order, principal, policy, now)


async def refund_payment(
    uow: OrdersUnitOfWork, order: OrderState, staff_id: int | None, payments: Payments, limit: Decimal | None = None
) -> Decimal:
    """Give back what was paid (at most `limit`) through the provider of the last capture; returns the amount."""
    records = await uow.orders.payments(order.id)
    amount = paid_amount(records) if limit is None else min(limit, paid_amount(records))
    if amount <= 0:
        return Decimal(0)
    capture = next(p for p in reversed(records) if p.kind is PaymentKind.CAPTURE)
    reference = await payments.refund(
        PaymentRequest(order.reference, capture.method, amount, order.currency), capture.reference
    )
    await uow.orders.add_payment(
        order.id, PaymentRecord(PaymentKind.REFUND, capture.method, amount, reference), order.currency, staff_id
    )
    return amount


async def _cancel(
    uow: OrdersUnitOfWork,
    order: OrderState,
    principal: Principal,
    action: OrderAction,
    policy: PointsPolicy,
    now: datetime,
    payments: Payments,
) -> None:
    status = transition(order.status, action, order.method)
    await close_fulfilments(uow, order.id, FulfilmentAction.CANCEL)
    await move_allocations(
        uow, await uow.orders.allocations(order.id), MovementKind.RELEASE, order.reference, staff_id=principal.staff_id
    )
    refund = await refund_payment(uow, order, principal.staff_id, payments)
    await request_refunds(uow.transactions, order.id, None, now)
    if order.member_id is not None and order.points_spent:
        await refund_points(uow, order.member_id, order.points_spent, order.reference, policy=policy, now=now)
    returned = await uow.promotions.restore(order.id) if order.status is OrderStatus.UNPAID else []
    await uow.orders.end_payment_wait(order.id, status)
    kind = OrderEventType.EXPIRED if action is OrderAction.EXPIRE else OrderEventType.CANCELLED
    await record_event(uow, order, principal, kind)
    for code in returned:
        await record_event(uow, order, principal, OrderEventType.COUPON_RETURNED, code=code)
    if refund > 0:
        await record_event(uow, order, principal, OrderEventType.REFUNDED, amount=str(refund))


async def cancel_order(
    uow: OrdersUnitOfWork,
    principal: Principal,
    token: str | None,
    *,
    policy: PointsPolicy,
    payments: Payments,
    now: datetime | None = None,
) -> str:
    """The buyer (or the order's till) cancels an unpaid order; customer service (MANAGE_ORDERS at a
    location the order belongs to) also a paid one, which records a refund. Reserved stock is
    released and spent points come back; an unpaid order's coupon can be used again (a paid
    order's stays used: the refund gave back what was paid)."""
    order = await load_order(uow, principal, token)
    service = acts_on(Permission.MANAGE_ORDERS, order.locations, principal)
    if not (service or sells_at(order.location_id, principal) or is_buyer(order.member_id, principal)):
        raise AccessDenied("Only the buyer, the order's store or customer service cancel orders.")
    transition(order.status, OrderAction.CANCEL, order.method)
    if order.status is not OrderStatus.UNPAID and not service:
        raise DomainError(Code.INVALID_TRANSITION, "A paid order is cancelled by customer service.")
    await _cancel(uow, order, principal, OrderAction.CANCEL, policy, now or uow.clock(), payments)
    return order.token


async def expire_order(uow: OrdersUnitOfWork, token: str, *, policy: PointsPolicy, now: datetime) -> bool:
    """The expiry job: cancel one unpaid order whose time ran out; False when it is no longer due."""
    order = await uow.orders.order(token)
    if order is None or order.status is not OrderStatus.UNPAID:
        return False
    await _cancel(uow, order, ANONYMOUS, OrderAction.EXPIRE, policy, now, Payments({}))  # unpaid: nothing to refund
    return True


async def _at_pickup_store(uow: OrdersUnitOfWork, principal: Principal, token: str | None) -> OrderState:
    order = await load_order(uow, principal, token)
    if order.method is FulfilmentMethod.PICKUP and not serves_store(order.pickup_location_id, principal):
        raise AccessDenied("Only the pickup store's staff hand over its orders.")
    return order


async def ready_for_pickup(uow: OrdersUnitOfWork, principal: Principal, token: str | None) -> str:
    """The pickup store has the order packed and waiting."""
    order = await _at_pickup_store(uow, principal, token)
    status = transition(order.status, OrderAction.READY_FOR_PICKUP, order.method)
    await uow.orders.set_status(order.id, status)
    await record_event(uow, order, principal, OrderEventType.READY_FOR_PICKUP)
    return order.token


async def pick_up(
    uow: OrdersUnitOfWork,
    principal: Principal,
    token: str | None,
    code: str,
    *,
    policy: PointsPolicy,
    now: datetime | None = None,
) -> str:
    """The customer shows their pickup code at the store: the units leave the shelf, the order
    completes and the member earns points. Wrong codes are counted; after MAX_ATTEMPTS the order is
    refused (customer service takes over)."""
    order = await _at_pickup_store(uow, principal, token)
    transition(order.status, OrderAction.PICK_UP, order.method)
    if order.pickup_attempts >= MAX_ATTEMPTS:
        raise DomainError(
            Code.PICKUP_CODE_INVALID,
            "Too many wrong codes; customer service must hand this order over.",
            ["pickupCode"],
        )
    if not pickup_code_matches(order.token, order.pickup_code_hash, code):
        await uow.orders.record_pickup_attempt(order.id)
        await record_event(uow, order, principal, OrderEventType.PICKUP_CODE_REJECTED)
        left = MAX_ATTEMPTS - order.pickup_attempts - 1
        raise DomainError(
            Code.PICKUP_CODE_INVALID, f"The pickup code is wrong ({left} tries left).", ["pickupCode"], keep_writes=True
        )
    await move_allocations(
        uow, await uow.orders.allocations(order.id), MovementKind.SALE, order.reference, staff_id=principal.staff_id
    )
    await close_fulfilments(uow, order.id, FulfilmentAction.HAND_OVER)
    await record_event(uow, order, principal, OrderEventType.PICKED_UP)
    await complete_order(uow, order, principal, policy, now or uow.clock())
    return order.token
