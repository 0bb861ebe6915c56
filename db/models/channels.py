"""Sales channels: each has its own currency, price list and product publication."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Amount, BigIntPK, UtcDateTime, str_enum
from domain.catalog.model import ChannelKind, ChannelOwnership
from domain.clock import system_clock
from domain.inventory.model import Routing


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (
        # At most one default channel: the one used when a client names none.
        sa.Index(
            "uq_channels_default",
            "is_default",
            unique=True,
            sqlite_where=sa.text("is_default = 1"),
            postgresql_where=sa.text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    currency: Mapped[str] = mapped_column(sa.String(3))
    kind: Mapped[ChannelKind] = mapped_column(str_enum(ChannelKind))
    ownership: Mapped[ChannelOwnership] = mapped_column(str_enum(ChannelOwnership))
    is_default: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Loyalty: points earned per currency unit spent (rounded down to whole points).
    points_per_unit: Mapped[Decimal] = mapped_column(Amount, default=Decimal(1))
    # Shipping for DELIVERY and ENDLESS_AISLE orders: a flat rate, free from a merchandise
    # threshold (null: no threshold). No flat rate set: the platform default applies.
    shipping_flat_rate: Mapped[Decimal | None] = mapped_column(Amount)
    shipping_free_over: Mapped[Decimal | None] = mapped_column(Amount)
    # Which locations ship its deliveries (domain.inventory.model.Routing); an operator sets it.
    routing: Mapped[Routing] = mapped_column(
        str_enum(Routing), default=Routing.NEAREST, server_default=Routing.NEAREST.value
    )
    # Settlement: the party that operates it (null: the brand).
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
