"""Payment apps' use cases: open a transaction at a gateway, record its answer, record the events it
reports (the charge that covers the amount due pays the order, once).

`transactionInitialize` is three steps so that no database transaction is held open while the
gateway is called: `open_transaction` (commits a PENDING transaction), the signed HTTP call
(api/webhooks/sync_call.py), then `record_answer` (commits what the app answered).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from domain.access.model import AccessDenied, Permission, Principal, PrincipalKind, SignInRequired
from domain.errors import Code, DomainError, input_field
from domain.members.points_services import PointsPolicy
from domain.money import parse_amount
from domain.orders.model import OrderAction, OrderStatus, transition
from domain.orders.records import OrderEventType
from domain.orders.services import OrdersUnitOfWork, load_order, may_pay, paid_amount, record_event, settle_paid
from domain.payments.model import (
    PSP_REFERENCE_MAX,
    Gateway,
    GatewayAnswer,
    TransactionEventType,
    TransactionsRepository,
    TransactionStatus,
    apply,
    check_psp_reference,
    declined,
    gateway_paid,
    unavailable,
)


class PaymentsUnitOfWork(OrdersUnitOfWork, Protocol):
    @property
    def transactions(self) -> TransactionsRepository: ...


@dataclass(frozen=True, slots=True)
class Opened:
    """A PENDING transaction, committed, and what the call to its gateway needs."""

    transaction_id: int
    gateway: Gateway
    amount: Decimal
    currency: str
    order_number: str
    order_status: OrderStatus


class GatewayCalls(Protocol):
    """The synchronous call to a gateway (api/webhooks/sync_call.py): signed, bounded, never retried."""

    async def initialize(self, opened: Opened) -> GatewayAnswer: ...


async def open_transaction(
    uow: PaymentsUnitOfWork, principal: Principal, token: str | None, gateway_app_id: int | None
) -> Opened:
    """A PENDING transaction for what the order still has due, at the chosen gateway. Whoever may pay
    the order (the buyer, its store's till, customer service: as `orderPay`) may open one."""
    try:
        order = await load_order(uow, principal, token)
    except DomainError as e:
        raise DomainError(e.code, e.message, ["orderId"]) from None
    may_pay(order, principal)
    transition(order.status, OrderAction.PAY, order.method)
    gateway = await uow.transactions.gateway(gateway_app_id) if gateway_app_id is not None else None
    if gateway is None:
        raise DomainError(Code.NOT_FOUND, "No such payment gateway.", input_field("gatewayId"))
    payments = await uow.orders.payments(order.id)
    due = order.total - paid_amount(payments) - gateway_paid(await uow.transactions.for_order(order.id))
    if due <= 0:
        raise DomainError(Code.INVALID, "The order has nothing left to pay.", ["orderId"])
    transaction_id = await uow.transactions.open(order.id, gateway, due, order.currency, principal.staff_id)
    return Opened(transaction_id, gateway, due, order.currency, order.number, order.status)


async def record_answer(uow: PaymentsUnitOfWork, opened: Opened, answer: GatewayAnswer) -> Any:
    """What the gateway answered: its JSON object is the client's data to start the payment with
    (the transaction stays PENDING until the app reports); a refusal or no answer fails the
    transaction and is reported as PAYMENT_DECLINED or GATEWAY_UNAVAILABLE (the failure is kept)."""
    why = unavailable(answer)
    code = Code.GATEWAY_UNAVAILABLE
    if why is None:
        why, code = declined(answer), Code.PAYMENT_DECLINED
    data = answer.data if isinstance(answer.data, dict) else {}
    reference = data.get("pspReference")
    if isinstance(reference, str) and 0 < len(reference.strip()) <= PSP_REFERENCE_MAX:
        reference = reference.strip()
    else:
        reference = None  # none, or not one we can keep: the app's reports will name it
    if why is not None:
        await uow.transactions.answered(opened.transaction_id, TransactionStatus.FAILED, reference)
        raise DomainError(code, why, input_field("gatewayId"), keep_writes=True)
    await uow.transactions.answered(opened.transaction_id, TransactionStatus.PENDING, reference)
    return answer.data


def _reporter(principal: Principal) -> int:
    """Only payment apps report transaction events (each its own transactions)."""
    if principal.kind is PrincipalKind.APP and principal.id is not None and principal.can(Permission.REPORT_PAYMENTS):
        return principal.id
    if principal.is_anonymous:
        raise SignInRequired("Authentication is required.")
    raise AccessDenied("Only the payment app of a transaction reports its events.")


async def report_event(
    uow: PaymentsUnitOfWork,
    principal: Principal,
    transaction_id: int | None,
    *,
    type: TransactionEventType,
    amount: Decimal,
    psp_reference: str,
    policy: PointsPolicy,
    now: datetime | None = None,
) -> int:
    """Record what the app reports. A repeat (same type and `pspReference`) changes nothing. A charge
    that brings what was received to the order's total pays the order (the order's row is locked
    first, so two racing reports pay it once); a charge for an order cancelled meanwhile is asked
    back at once; a refund, or a refund that failed, is recorded in the order's history."""
    app_id = _reporter(principal)
    now = now or uow.clock()
    token = await uow.transactions.order_token(transaction_id) if transaction_id is not None else None
    order = await uow.orders.order(token) if token is not None else None
    transactions = await uow.transactions.for_order(order.id) if order is not None else []
    found = next((t for t in transactions if t.id == transaction_id), None)
    if order is None or found is None or found.app_id != app_id:
        raise DomainError(Code.NOT_FOUND, "No such transaction.", input_field("transactionId"))
    value = parse_amount(amount, found.currency, input_field("amount"), allow_zero=False)
    reference = check_psp_reference(psp_reference)
    if not await uow.transactions.add_event(found.id, type, value, reference, now):
        return found.id  # reported before: counted then
    after = apply(found, type, value)
    await uow.transactions.save(after)
    if type is TransactionEventType.CHARGE_SUCCESS:
        received = paid_amount(await uow.orders.payments(order.id)) + gateway_paid(
            [after if t.id == after.id else t for t in transactions]
        )
        if order.status is OrderStatus.UNPAID and received >= order.total:
            status = transition(order.status, OrderAction.PAY, order.method)
            await settle_paid(uow, order, principal, status, policy, now, transaction=str(after.id), amount=str(value))
        elif order.status is OrderStatus.CANCELLED:  # paid too late: the money goes back
            await uow.transactions.request_refund(after.id, value, now)
    elif type is TransactionEventType.REFUND_SUCCESS:
        await record_event(uow, order, principal, OrderEventType.REFUNDED, amount=str(value))
    elif type is TransactionEventType.REFUND_FAILURE:  # staff see it in the order's history and follow up
        await record_event(uow, order, principal, OrderEventType.REFUND_FAILED, amount=str(value))
    return found.id
