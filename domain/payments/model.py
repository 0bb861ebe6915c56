"""Payment apps' transactions: a transaction's status follows from the events its app reports.

A payment provider (WeChat Pay, Alipay, a card acquirer) is an app with the PAYMENTS scope and a
PAYMENT_INITIALIZE webhook: a *gateway*. `transactionInitialize` opens a PENDING transaction for
the order's amount due and asks the gateway to start the payment; the money moves only when the
app reports it (`transactionEventReport`): Omnishop never takes a client's word that it paid.

Each report is an event, unique per transaction, type and `pspReference` (the provider's own
reference), so a report sent twice is counted once. The totals and the status are a function
of the events (`apply`):

| event | effect |
|---|---|
| CHARGE_SUCCESS | `charged` grows; CHARGED |
| CHARGE_FAILURE | FAILED while nothing was charged (a later CHARGE_SUCCESS still counts) |
| REFUND_SUCCESS | `refunded` grows (at most to `charged`); REFUNDED once all is back, else PARTIALLY_REFUNDED |
| REFUND_FAILURE | recorded (REFUND_FAILED in the order's history); the status stays: staff follow up |
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from domain.errors import Code, DomainError, input_field

PSP_REFERENCE_MAX = 100


class TransactionStatus(StrEnum):
    PENDING = "PENDING"
    CHARGED = "CHARGED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    FAILED = "FAILED"


class TransactionEventType(StrEnum):
    CHARGE_SUCCESS = "CHARGE_SUCCESS"
    CHARGE_FAILURE = "CHARGE_FAILURE"
    REFUND_SUCCESS = "REFUND_SUCCESS"
    REFUND_FAILURE = "REFUND_FAILURE"


@dataclass(frozen=True, slots=True)
class TransactionState:
    id: int
    order_id: int
    app_id: int | None  # the gateway's app (None: the app was deleted)
    status: TransactionStatus
    amount: Decimal  # what was due when it was opened
    currency: str
    charged: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    refund_requested: Decimal = Decimal(0)  # asked of the app (PAYMENT_REFUND_REQUESTED), refunded or not
    psp_reference: str | None = None

    @property
    def net(self) -> Decimal:
        """Money the app holds for the order: charged less refunded."""
        return self.charged - self.refunded

    @property
    def refundable(self) -> Decimal:
        """What may still be asked back: charged less what was already asked for."""
        return max(self.charged - max(self.refund_requested, self.refunded), Decimal(0))


@dataclass(frozen=True, slots=True)
class Gateway:
    """A payment app that can take payments: where `PAYMENT_INITIALIZE` goes, signed with its secrets."""

    app_id: int
    webhook_id: int
    name: str
    target_url: str
    secrets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GatewayAnswer:
    """What the gateway's app answered the synchronous PAYMENT_INITIALIZE call (status None: no answer)."""

    status: int | None
    data: Any  # the parsed JSON body (None: none, or not JSON)
    error: str | None = None


def apply(t: TransactionState, type: TransactionEventType, amount: Decimal) -> TransactionState:
    """The transaction after one (new) event; INVALID when the event cannot be (refunding more than
    was charged)."""
    if type is TransactionEventType.CHARGE_SUCCESS:
        charged = t.charged + amount
        status = TransactionStatus.CHARGED if t.refunded == 0 else TransactionStatus.PARTIALLY_REFUNDED
        return replace(t, charged=charged, status=status)
    if type is TransactionEventType.CHARGE_FAILURE:
        return replace(t, status=TransactionStatus.FAILED) if t.charged == 0 else t
    if type is TransactionEventType.REFUND_SUCCESS:
        if amount > t.net:
            raise DomainError(Code.INVALID, f"At most {t.net} {t.currency} is left to refund.", input_field("amount"))
        refunded = t.refunded + amount
        status = TransactionStatus.REFUNDED if refunded == t.charged else TransactionStatus.PARTIALLY_REFUNDED
        return replace(t, refunded=refunded, status=status)
    return t  # REFUND_FAILURE: recorded only


class AppMoney(Protocol):
    """A transaction as any layer holds it (a `TransactionState`, a stored row): charged and refunded."""

    @property
    def charged(self) -> Decimal: ...
    @property
    def refunded(self) -> Decimal: ...


def gateway_paid(transactions: Iterable[AppMoney]) -> Decimal:
    """What payment apps hold for an order: their charges less their refunds."""
    return sum((t.charged - t.refunded for t in transactions), Decimal(0))


def refund_plan(transactions: Sequence[TransactionState], limit: Decimal | None) -> list[tuple[int, Decimal]]:
    """Refunds to ask the apps for, newest transaction first, (transaction, amount) adding up to at most
    `limit` (None: everything not yet asked back)."""
    left = limit
    plan = []
    for t in sorted(transactions, key=lambda t: t.id, reverse=True):
        amount = t.refundable if left is None else min(left, t.refundable)
        if amount <= 0:
            continue
        plan.append((t.id, amount))
        if left is not None:
            left -= amount
    return plan


def declined(answer: GatewayAnswer) -> str | None:
    """Why the app declined the payment (None: it accepted): a non-2xx answer, or one whose
    `result` names a failure (`CHARGE_FAILURE`, `FAILURE`, ...)."""
    if answer.status is None or 200 <= answer.status < 300:
        result = answer.data.get("result") if isinstance(answer.data, dict) else None
        if isinstance(result, str) and result.upper().endswith("FAILURE"):
            return f"The payment provider declined the payment ({result})."
        return None
    return f"The payment provider declined the payment (HTTP {answer.status})."


def unavailable(answer: GatewayAnswer) -> str | None:
    """Why the gateway could not be used (None: it answered): no answer in time, a refused connection,
    or a 2xx answer that is not a JSON object (nothing a client could start the payment with)."""
    if answer.status is None:
        return f"The payment provider did not answer ({answer.error or 'no answer'})."
    if 200 <= answer.status < 300 and not isinstance(answer.data, dict):
        return "The payment provider's answer was not a JSON object."
    return None


def check_psp_reference(reference: str) -> str:
    reference = reference.strip()
    if not reference or len(reference) > PSP_REFERENCE_MAX:
        raise DomainError(
            Code.INVALID,
            f"Give the provider's reference in 1 to {PSP_REFERENCE_MAX} characters.",
            input_field("pspReference"),
        )
    return reference


class TransactionsRepository(Protocol):
    """Transactions' storage (db/transactions.py), as the payment and order use cases need it."""

    async def gateway(self, app_id: int) -> Gateway | None:
        """The app as a gateway: active, with PAYMENTS and an active PAYMENT_INITIALIZE webhook."""
        ...

    async def open(
        self, order_id: int, gateway: Gateway, amount: Decimal, currency: str, staff_id: int | None
    ) -> int: ...
    async def for_order(self, order_id: int) -> list[TransactionState]:
        """The order's transactions, locked until the transaction ends (the order's lock is held first)."""
        ...

    async def order_token(self, transaction_id: int) -> str | None: ...
    async def answered(self, transaction_id: int, status: TransactionStatus, psp_reference: str | None) -> None:
        """What the app's answer to PAYMENT_INITIALIZE left the transaction at, if it is still PENDING (a
        charge the app reported before its answer arrived is not undone)."""
        ...

    async def add_event(
        self, transaction_id: int, type: TransactionEventType, amount: Decimal, psp_reference: str, now: datetime
    ) -> bool:
        """Record a reported event; False when this type and reference were already recorded (a repeat)."""
        ...

    async def save(self, t: TransactionState) -> None:
        """Store the totals and status `apply` computed."""
        ...

    async def request_refund(self, transaction_id: int, amount: Decimal, now: datetime) -> None:
        """Ask the app for `amount` back: counted in `refund_requested`, and a PAYMENT_REFUND_REQUESTED
        webhook event for the app, through the outbox (sent when the change commits)."""
        ...
