"""Carts and orders: cart lines, orders with their lines, stock allocations, payments and history.

Keys for scale-out (ARCHITECTURE "Past one primary"): every table that grows with traffic carries
the key it would be distributed by: cart lines their cart, and the order tables their order (plus
the member on `orders`, for a member's order list). Catalogue, channel and location columns are
references to replicated tables.

A cart's public id is its random `token`, never its row id: guests reach their cart by id alone,
so cart ids must not be guessable. Orders have a random `token` for the same reason (a guest
order is reached by its id), and a human-friendly `number` for people.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Amount, BigIntPK, UtcDateTime, str_enum
from domain.clock import system_clock
from domain.inventory.model import FulfilmentMethod
from domain.orders.fulfilment import FulfilmentStatus
from domain.orders.model import OrderStatus
from domain.orders.records import OrderEventType, PaymentKind, PaymentMethod

TOKEN_LENGTH = 32


class Cart(Base):
    __tablename__ = "carts"
    __table_args__ = (
        sa.CheckConstraint("points >= 0", name="points_not_negative"),
        sa.Index("ix_carts_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(TOKEN_LENGTH), unique=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    # A cart opened at a till: the store and the cashier.
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    fulfilment_method: Mapped[FulfilmentMethod | None] = mapped_column(str_enum(FulfilmentMethod))
    pickup_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    address: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    points: Mapped[int] = mapped_column(sa.Integer, default=0)  # points the member wants to pay with
    coupon_code: Mapped[str | None] = mapped_column(sa.String(32))  # applied with cartCouponApply
    # Who brought the shopper (cartAttributionSet): a store, or a staff guide and the store they work at.
    referring_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    guide_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    guide_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # checked out: no more changes
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock, onupdate=system_clock)


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "variant_id"),
        sa.CheckConstraint("quantity BETWEEN 1 AND 999", name="quantity_in_range"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    cart_id: Mapped[int] = mapped_column(sa.ForeignKey("carts.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        # One order per (cart, idempotency key): a retried checkout finds the order it made.
        sa.UniqueConstraint("cart_id", "idempotency_key"),
        sa.CheckConstraint("total >= 0", name="total_not_negative"),
        sa.CheckConstraint("points_spent >= 0 AND points_earned >= 0", name="points_not_negative"),
        sa.CheckConstraint("pickup_attempts >= 0", name="pickup_attempts_not_negative"),
        # Keyset pages, newest first, for each list filter; the expiry job's scan.
        sa.Index("ix_orders_member_id_id", "member_id", "id"),
        sa.Index("ix_orders_status_id", "status", "id"),
        sa.Index("ix_orders_channel_id_id", "channel_id", "id"),
        sa.Index("ix_orders_location_id_id", "location_id", "id"),
        sa.Index("ix_orders_created_at_id", "created_at", "id"),
        sa.Index("ix_orders_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(TOKEN_LENGTH), unique=True)
    number: Mapped[str] = mapped_column(sa.String(TOKEN_LENGTH), unique=True)
    cart_id: Mapped[int | None] = mapped_column(sa.ForeignKey("carts.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus))
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="RESTRICT"))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="SET NULL"))
    # The store the sale is attributed to (the till's store, the pickup store); null for deliveries.
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    fulfilment_method: Mapped[FulfilmentMethod] = mapped_column(str_enum(FulfilmentMethod))
    pickup_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    address: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    tracking_number: Mapped[str | None] = mapped_column(sa.String(100))
    # Attribution, frozen at checkout (domain/settlement): the till's store (null online), and the
    # store or staff guide (with the store they worked at) whose referral code the cart carried.
    selling_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    referring_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    guide_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    guide_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    subtotal: Mapped[Decimal] = mapped_column(Amount)
    discount_total: Mapped[Decimal] = mapped_column(Amount)
    points_discount: Mapped[Decimal] = mapped_column(Amount)
    shipping: Mapped[Decimal] = mapped_column(Amount)
    total: Mapped[Decimal] = mapped_column(Amount)
    points_spent: Mapped[int] = mapped_column(sa.Integer, default=0)
    points_earned: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Promotions: the coupon redeemed with the order, and the points multiplier it earns with.
    coupon_code: Mapped[str | None] = mapped_column(sa.String(32))
    points_multiplier: Mapped[Decimal] = mapped_column(Amount, default=Decimal(1))
    # Only a hash of the pickup code is kept; the buyer sees the code once, at checkout.
    pickup_code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    pickup_attempts: Mapped[int] = mapped_column(sa.Integer, default=0)  # wrong codes tried
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # unpaid orders are cancelled then
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock, onupdate=system_clock)


class OrderLine(Base):
    """A line as sold: the variant's SKU and names are copied, so the order reads the same later."""

    __tablename__ = "order_lines"
    __table_args__ = (
        sa.Index("ix_order_lines_order_id_id", "order_id", "id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("returned_quantity BETWEEN 0 AND quantity", name="returned_within_quantity"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="SET NULL"))
    sku: Mapped[str] = mapped_column(sa.String(64))
    product_name: Mapped[str] = mapped_column(sa.String(250))
    variant_name: Mapped[str] = mapped_column(sa.String(250))
    quantity: Mapped[int] = mapped_column(sa.Integer)
    unit_price: Mapped[Decimal] = mapped_column(Amount)
    discounts: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON)  # [{"label", "amount"}]
    total: Mapped[Decimal] = mapped_column(Amount)
    returned_quantity: Mapped[int] = mapped_column(sa.Integer, default=0)


class OrderAllocation(Base):
    """Where a line's units come from: reserved at checkout, sold when shipped, collected or paid at
    the till, released on cancellation."""

    __tablename__ = "order_allocations"
    __table_args__ = (
        sa.Index("ix_order_allocations_order_id_id", "order_id", "id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(sa.Integer)


class OrderLocation(Base):
    """Each location an order belongs to (domain.orders.access.order_locations): its store and the
    locations its units come from. Store staff's order reads and writes are scoped by it; the
    primary key pages a location's orders newest first."""

    __tablename__ = "order_locations"
    __table_args__ = (sa.Index("ix_order_locations_order_id", "order_id"),)

    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)


class Fulfilment(Base):
    """One location's share of an order (domain/orders/fulfilment.py): its lines are the order's
    allocations at that location. A location's queue pages its fulfilments oldest first by status."""

    __tablename__ = "fulfilments"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "location_id"),
        sa.Index("ix_fulfilments_location_id_status_id", "location_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"))
    status: Mapped[FulfilmentStatus] = mapped_column(str_enum(FulfilmentStatus))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock, onupdate=system_clock)


class Payment(Base):
    """Money received (CAPTURE) or given back (REFUND) for an order; never edited."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.Index("ix_payments_order_id_id", "order_id", "id"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind))
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(sa.String(3))
    reference: Mapped[str | None] = mapped_column(sa.String(100))  # the payment provider's transaction id
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class OrderEvent(Base):
    """Append-only history of an order: what happened, who did it, when."""

    __tablename__ = "order_events"
    __table_args__ = (sa.Index("ix_order_events_order_id_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    type: Mapped[OrderEventType] = mapped_column(str_enum(OrderEventType, length=30))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
