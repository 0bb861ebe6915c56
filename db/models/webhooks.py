"""Webhooks, their deliveries and each delivery's attempts (domain/apps/webhooks.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntPK, UtcDateTime, str_enum
from domain.apps.webhooks import WebhookDeliveryStatus
from domain.clock import system_clock


class Webhook(Base):
    """Where an app hears about events. The secret is kept as given (signing needs it); after a
    rotation the previous one signs too until `previous_secret_until`."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    app_id: Mapped[int] = mapped_column(sa.ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    target_url: Mapped[str] = mapped_column(sa.String(500))
    events: Mapped[list[str]] = mapped_column(sa.JSON)
    query: Mapped[str | None] = mapped_column(sa.Text)  # the payload query (None: the default payload)
    secret: Mapped[str] = mapped_column(sa.String(120))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(120))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class WebhookSubscriptions(Base):
    """One row (`id` 1): a token that triggers change with every write that may change the webhook
    subscribers the outbox relay reads (migration 0027), so that it reads them again only then."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[str] = mapped_column(sa.String(36))


FINISHED = "status <> 'PENDING'"  # succeeded or failed: nothing more will be tried


class WebhookDelivery(Base):
    """One event for one webhook: the body is fixed when the delivery is created, so every attempt
    sends the same bytes under the same `webhook-id` (receivers deduplicate on it)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The worker's scan: pending deliveries that are due, soonest first.
        sa.Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            sqlite_where=sa.text("status = 'PENDING'"),
            postgresql_where=sa.text("status = 'PENDING'"),
        ),
        sa.Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),
        # The retention's purge: finished deliveries, oldest first.
        sa.Index(
            "ix_webhook_deliveries_finished",
            "created_at",
            sqlite_where=sa.text(FINISHED),
            postgresql_where=sa.text(FINISHED),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        str_enum(WebhookDeliveryStatus), default=WebhookDeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)  # also a claim's lease while in flight
    response_status: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class WebhookAttempt(Base):
    """One try at a delivery: what came back (or why nothing did), and how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_ms: Mapped[int] = mapped_column(sa.Integer)
    response_status: Mapped[int | None] = mapped_column(sa.Integer)
    response_body: Mapped[str | None] = mapped_column(sa.String(1024))  # the first bytes, for diagnosis
    error: Mapped[str | None] = mapped_column(sa.String(200))  # a timeout, a refused connection, a refused address
