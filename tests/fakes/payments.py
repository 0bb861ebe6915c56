"""In-memory payment apps' transactions: an event is recorded once per transaction, type and reference."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from domain.payments.model import Gateway, TransactionEventType, TransactionState, TransactionStatus


class FakeTransactions:
    def __init__(self) -> None:
        self.gateways: dict[int, Gateway] = {}
        self.rows: dict[int, TransactionState] = {}
        self.tokens: dict[int, str] = {}  # order id: its token (set by the test)
        self.events: set[tuple[int, TransactionEventType, str]] = set()
        self.refund_requests: list[tuple[int, Decimal]] = []  # the PAYMENT_REFUND_REQUESTED events written

    async def gateway(self, app_id: int) -> Gateway | None:
        return self.gateways.get(app_id)

    async def open(self, order_id: int, gateway: Gateway, amount: Decimal, currency: str, staff_id: int | None) -> int:
        transaction_id = len(self.rows) + 1
        self.rows[transaction_id] = TransactionState(
            transaction_id, order_id, gateway.app_id, TransactionStatus.PENDING, amount, currency
        )
        return transaction_id

    async def for_order(self, order_id: int) -> list[TransactionState]:
        return [t for t in self.rows.values() if t.order_id == order_id]

    async def order_token(self, transaction_id: int) -> str | None:
        t = self.rows.get(transaction_id)
        return self.tokens.get(t.order_id) if t else None

    async def answered(self, transaction_id: int, status: TransactionStatus, psp_reference: str | None) -> None:
        t = self.rows[transaction_id]
        if t.status is TransactionStatus.PENDING:
            self.rows[transaction_id] = replace(t, status=status, psp_reference=t.psp_reference or psp_reference)

    async def add_event(
        self, transaction_id: int, type: TransactionEventType, amount: Decimal, psp_reference: str, now: datetime
    ) -> bool:
        key = (transaction_id, type, psp_reference)
        if key in self.events:
            return False
        self.events.add(key)
        return True

    async def save(self, t: TransactionState) -> None:
        self.rows[t.id] = t

    async def request_refund(self, transaction_id: int, amount: Decimal, now: datetime) -> None:
        t = self.rows[transaction_id]
        self.rows[transaction_id] = replace(t, refund_requested=t.refund_requested + amount)
        self.refund_requests.append((transaction_id, amount))
