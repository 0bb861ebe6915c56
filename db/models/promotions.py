"""Promotions, coupon templates and coupons.

A promotion and a coupon template hold the same rule (`domain.promotions.model.Promotion`): the
conditions and the action are stored as JSON documents (`domain.promotions.records` reads and
writes them), with the columns the running-promotions query filters on (`is_active`, the time
window) kept as real columns.

A coupon is one member's instance of a template, with its own unguessable code. Redeeming it is
one conditional UPDATE (`status = 'ACTIVE'`), so it is redeemed at most once whichever way the
attempts come; a template's `issued_count` is raised by a conditional UPDATE too, so a campaign
never issues more than its `total_quantity`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntPK, UtcDateTime, str_enum
from domain.clock import system_clock
from domain.promotions.records import ActionType, CouponState, RedeemWhere


class _Rule:
    """Columns shared by promotions and coupon templates: the rule the engine applies."""

    name: Mapped[str] = mapped_column(sa.String(100))
    priority: Mapped[int] = mapped_column(sa.Integer, default=100)
    stackable: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    conditions: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    action_type: Mapped[ActionType] = mapped_column(str_enum(ActionType))
    action: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock, onupdate=system_clock)


class Promotion(_Rule, Base):
    """An automatic promotion: applies to every cart that meets its conditions while it runs."""

    __tablename__ = "promotions"
    __table_args__ = (sa.Index("ix_promotions_active_window", "is_active", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A store's own promotion (managed by that store's manager): applies only to its sales.
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"), index=True)


class CouponTemplate(_Rule, Base):
    """What a coupon gives and how many exist: validity, quantity, limits, where it is redeemed."""

    __tablename__ = "coupon_templates"
    __table_args__ = (
        sa.CheckConstraint("issued_count >= 0", name="issued_not_negative"),
        sa.CheckConstraint("total_quantity IS NULL OR issued_count <= total_quantity", name="issued_within_quantity"),
        sa.CheckConstraint("per_member_limit >= 1", name="per_member_limit_positive"),
        sa.CheckConstraint("valid_days IS NULL OR valid_days >= 1", name="valid_days_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # The public campaign code members claim with (what a QR code carries); null: issued by staff only.
    campaign_code: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    # Validity: fixed dates, or `valid_days` from the moment a coupon is issued (bounded by valid_until).
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_days: Mapped[int | None] = mapped_column(sa.Integer)
    total_quantity: Mapped[int | None] = mapped_column(sa.Integer)  # null: unlimited
    issued_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    per_member_limit: Mapped[int] = mapped_column(sa.Integer, default=1)
    redeemable_at: Mapped[RedeemWhere] = mapped_column(str_enum(RedeemWhere))


class Coupon(Base):
    __tablename__ = "coupons"
    __table_args__ = (
        sa.Index("ix_coupons_member_id_id", "member_id", "id"),
        sa.Index("ix_coupons_template_id_member_id", "template_id", "member_id"),
        sa.Index("ix_coupons_order_id", "order_id"),
        sa.Index("ix_coupons_created_at", "created_at"),  # couponReport: coupons issued in a period
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("coupon_templates.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    state: Mapped[CouponState] = mapped_column(str_enum(CouponState))
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issued_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    # The redemption: when, for which order (online), at which store and by whom (at a till).
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"))
    redeemed_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    redeemed_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class PromotionUse(Base):
    """Units a member bought at a flash-sale price, for its per-member limit (`FixedPrice`)."""

    __tablename__ = "promotion_uses"
    __table_args__ = (
        sa.Index("ix_promotion_uses_member_id_promotion_id", "member_id", "promotion_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    promotion_id: Mapped[int] = mapped_column(sa.ForeignKey("promotions.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(sa.Integer)
