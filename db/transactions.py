"""Payment apps' transactions: implements `domain.payments.model.TransactionsRepository`, and the reads
of `paymentGateways` and `Order.transactions`.

A gateway is an app that is not revoked, holds the PAYMENTS scope and has an active webhook for
PAYMENT_INITIALIZE (its oldest such webhook is the one called). Apps and their webhooks are few,
so the scope and event lists (JSON columns) are filtered here rather than in SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_events
from db.mappers import columns, state
from db.models import App, Order, Transaction, TransactionEvent, Webhook
from db.sql import dialect_name
from domain.access.model import AppScope
from domain.apps.webhooks import WebhookEventType
from domain.clock import Clock, system_clock
from domain.payments.model import Gateway, TransactionEventType, TransactionState, TransactionStatus

_STATE = columns(
    id=Transaction.id,
    order_id=Transaction.order_id,
    app_id=Transaction.app_id,
    status=Transaction.status,
    amount=Transaction.amount,
    currency=Transaction.currency,
    charged=Transaction.charged,
    refunded=Transaction.refunded,
    refund_requested=Transaction.refund_requested,
    psp_reference=Transaction.psp_reference,
)


async def gateways(session: AsyncSession, now: datetime, app_id: int | None = None) -> list[Gateway]:
    """Every gateway (or the one app's, if it is one), by app id."""
    stmt = (
        sa.select(
            App.id,
            App.name,
            App.scopes,
            Webhook.id,
            Webhook.events,
            Webhook.target_url,
            Webhook.secret,
            Webhook.previous_secret,
            Webhook.previous_secret_until,
        )
        .join(Webhook, Webhook.app_id == App.id)
        .where(App.revoked_at.is_(None), Webhook.is_active.is_(True))
        .order_by(App.id, Webhook.id)
    )
    if app_id is not None:
        stmt = stmt.where(App.id == app_id)
    found: dict[int, Gateway] = {}
    for app, name, scopes, webhook, events, url, secret, previous, until in await session.execute(stmt):
        if app in found or AppScope.PAYMENTS.value not in scopes or WebhookEventType.PAYMENT_INITIALIZE not in events:
            continue
        signing = (secret, previous) if previous and until and until > now else (secret,)
        found[app] = Gateway(app, webhook, name, url, signing)
    return list(found.values())


class SqlTransactionsRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def gateway(self, app_id: int) -> Gateway | None:
        return next(iter(await gateways(self.session, self.clock(), app_id)), None)

    async def open(self, order_id: int, gateway: Gateway, amount: Decimal, currency: str, staff_id: int | None) -> int:
        now = self.clock()
        result = await self.session.execute(
            sa.insert(Transaction)
            .values(
                order_id=order_id,
                app_id=gateway.app_id,
                webhook_id=gateway.webhook_id,
                status=TransactionStatus.PENDING,
                amount=amount,
                currency=currency,
                charged=0,
                refunded=0,
                refund_requested=0,
                staff_id=staff_id,
                created_at=now,
                updated_at=now,
            )
            .returning(Transaction.id)
        )
        return int(result.scalar_one())

    async def for_order(self, order_id: int) -> list[TransactionState]:
        stmt = sa.select(*_STATE).where(Transaction.order_id == order_id).order_by(Transaction.id)
        rows = await self.session.execute(stmt.with_for_update(of=Transaction))
        return [state(TransactionState, r) for r in rows]

    async def order_token(self, transaction_id: int) -> str | None:
        return await self.session.scalar(
            sa.select(Order.token)
            .join(Transaction, Transaction.order_id == Order.id)
            .where(Transaction.id == transaction_id)
        )

    async def answered(self, transaction_id: int, status: TransactionStatus, psp_reference: str | None) -> None:
        """Only a transaction still PENDING: the app may have reported a charge before its answer came back."""
        await self.session.execute(
            sa.update(Transaction)
            .where(Transaction.id == transaction_id, Transaction.status == TransactionStatus.PENDING)
            .values(
                status=status,
                psp_reference=sa.func.coalesce(Transaction.psp_reference, psp_reference),
                updated_at=self.clock(),
            )
        )

    async def add_event(
        self, transaction_id: int, type: TransactionEventType, amount: Decimal, psp_reference: str, now: datetime
    ) -> bool:
        """INSERT ... ON CONFLICT DO NOTHING on (transaction, type, reference): a repeat, even one racing
        this one, inserts nothing."""
        insert = pg_insert if dialect_name(self.session) == "postgresql" else sqlite_insert
        stmt = (
            insert(TransactionEvent)
            .values(
                transaction_id=transaction_id, type=type, amount=amount, psp_reference=psp_reference, created_at=now
            )
            .on_conflict_do_nothing(index_elements=["transaction_id", "type", "psp_reference"])
            .returning(TransactionEvent.id)
        )
        return (await self.session.execute(stmt)).scalar() is not None

    async def save(self, t: TransactionState) -> None:
        await self.session.execute(
            sa.update(Transaction)
            .where(Transaction.id == t.id)
            .values(status=t.status, charged=t.charged, refunded=t.refunded, updated_at=self.clock())
        )

    async def request_refund(self, transaction_id: int, amount: Decimal, now: datetime) -> None:
        await self.session.execute(
            sa.update(Transaction)
            .where(Transaction.id == transaction_id)
            .values(refund_requested=Transaction.refund_requested + amount, updated_at=now)
        )
        await webhook_events.announce(
            self.session, WebhookEventType.PAYMENT_REFUND_REQUESTED, f"{transaction_id}:{amount}", now
        )


async def transactions_by_order_ids(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, list[Transaction]]:
    """Many orders' transactions, oldest first, in one statement."""
    found: dict[int, list[Transaction]] = {i: [] for i in order_ids}
    rows = await session.scalars(
        sa.select(Transaction).where(Transaction.order_id.in_(order_ids)).order_by(Transaction.id)
    )
    for t in rows:
        found[t.order_id].append(t)
    return found


async def transactions_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Transaction]:
    return {t.id: t for t in await session.scalars(sa.select(Transaction).where(Transaction.id.in_(ids)))}
