"""The outbox: events other parts care about (an order changed, a stock level changed), written in
the same transaction as the change and published after commit by `api.events.OutboxRelay`, so a
rolled-back change never announces itself and a committed one always does (at least once)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntPK, UtcDateTime
from domain.clock import system_clock


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        # The relay's scan: what is still to publish, oldest first.
        sa.Index(
            "ix_outbox_events_unpublished",
            "id",
            sqlite_where=sa.text("published_at IS NULL"),
            postgresql_where=sa.text("published_at IS NULL"),
        ),
        sa.Index("ix_outbox_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(100))  # "order:<id>", "stock:<variant id>"
    message: Mapped[str] = mapped_column(sa.String(100))  # the order id, the location id
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
