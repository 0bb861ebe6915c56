"""Payment apps' transactions and the events their apps report (domain/payments/model.py).

`transaction_events` is unique per transaction, type and `psp_reference`: a report sent twice (or
twice at once) is one row, so it is counted once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Amount, BigIntPK, UtcDateTime, str_enum
from domain.clock import system_clock
from domain.payments.model import TransactionEventType, TransactionStatus


class Transaction(Base):
    """An order's payment at a gateway (a payment app): opened for the amount due, then moved by the
    events the app reports. The totals are kept here, as the events add them up."""

    __tablename__ = "transactions"
    __table_args__ = (
        sa.Index("ix_transactions_order_id_id", "order_id", "id"),
        sa.CheckConstraint("charged >= 0 AND refunded >= 0 AND refunded <= charged", name="totals_consistent"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    app_id: Mapped[int | None] = mapped_column(sa.ForeignKey("apps.id", ondelete="SET NULL"), index=True)
    webhook_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="SET NULL"))
    status: Mapped[TransactionStatus] = mapped_column(str_enum(TransactionStatus))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(sa.String(3))
    charged: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    refunded: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    refund_requested: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    psp_reference: Mapped[str | None] = mapped_column(sa.String(100))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class TransactionEvent(Base):
    """One event a payment app reported; never edited."""

    __tablename__ = "transaction_events"
    __table_args__ = (sa.UniqueConstraint("transaction_id", "type", "psp_reference"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("transactions.id", ondelete="CASCADE"))
    type: Mapped[TransactionEventType] = mapped_column(str_enum(TransactionEventType))
    amount: Mapped[Decimal] = mapped_column(Amount)
    psp_reference: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
