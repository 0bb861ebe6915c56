"""Inventory tables: locations (warehouses and stores), stock levels and the movement ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntPK, UtcDateTime, str_enum
from domain.clock import system_clock
from domain.inventory.model import LocationType, MovementKind, TransferStatus
from domain.settlement.model import new_referral_code


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (
        # nearbyStores prefilters on a latitude/longitude box.
        sa.Index("ix_locations_lat_lon", "latitude", "longitude"),
        sa.Index("ix_locations_type_name_id", "type", "name", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[LocationType] = mapped_column(str_enum(LocationType))
    address_line1: Mapped[str | None] = mapped_column(sa.String(250))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    opening_hours: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    is_pickup_point: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    ships_to_home: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    priority: Mapped[int] = mapped_column(sa.Integer, default=100)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Settlement: the party it belongs to (null: the brand), and the code on its referral QR.
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id", ondelete="SET NULL"))
    referral_code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_referral_code)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class ChannelLocation(Base):
    """Which locations sell into which channels."""

    __tablename__ = "channel_locations"

    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True)
    location_id: Mapped[int] = mapped_column(
        sa.ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class StockLevel(Base):
    __tablename__ = "stock_levels"
    __table_args__ = (
        sa.UniqueConstraint("variant_id", "location_id"),
        sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        sa.CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    on_hand: Mapped[int] = mapped_column(sa.Integer, default=0)
    reserved: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock, onupdate=system_clock)


class InventoryMovement(Base):
    """Append-only: every change to a stock level, never updated or deleted."""

    __tablename__ = "inventory_movements"
    __table_args__ = (
        sa.Index("ix_inventory_movements_level", "variant_id", "location_id", "id"),
        sa.Index("ix_inventory_movements_location", "location_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"))
    kind: Mapped[MovementKind] = mapped_column(str_enum(MovementKind))
    on_hand_delta: Mapped[int] = mapped_column(sa.Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(sa.Integer, default=0)
    reason: Mapped[str] = mapped_column(sa.String(250), default="")
    reference: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class StockTransfer(Base):
    """Units sent from one location to another: IN_TRANSIT until the receiver counts them in."""

    __tablename__ = "stock_transfers"
    __table_args__ = (
        sa.Index("ix_stock_transfers_to", "to_location_id", "id"),
        sa.Index("ix_stock_transfers_from", "from_location_id", "id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "received_quantity IS NULL OR (received_quantity >= 0 AND received_quantity <= quantity)",
            name="received_within_sent",
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    from_location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"))
    to_location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[TransferStatus] = mapped_column(str_enum(TransferStatus))
    received_quantity: Mapped[int | None] = mapped_column(sa.Integer)
    sent_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    received_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
