"""Member profile tables: tags, addresses, the points ledger, and third-party apps."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntPK, UtcDateTime, str_enum
from domain.clock import system_clock
from domain.members.points import PointsKind


class MemberTag(Base):
    """A label for targeted marketing (`vip`, `new`, `store:SH01`), set by staff."""

    __tablename__ = "member_tags"

    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(sa.String(50), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class MemberAddress(Base):
    __tablename__ = "member_addresses"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str] = mapped_column(sa.String(20))
    line1: Mapped[str] = mapped_column(sa.String(250))
    line2: Mapped[str | None] = mapped_column(sa.String(250))
    city: Mapped[str] = mapped_column(sa.String(100))
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    country: Mapped[str] = mapped_column(sa.String(2))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    is_default: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class PointsEntry(Base):
    """Append-only ledger: the member's balance is the sum of their entries."""

    __tablename__ = "points_entries"
    __table_args__ = (
        sa.Index("ix_points_entries_member_id_id", "member_id", "id"),
        sa.Index("ix_points_entries_expires_at", "expires_at"),  # the expiry job's candidates
        sa.CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[PointsKind] = mapped_column(str_enum(PointsKind))
    delta: Mapped[int] = mapped_column(sa.Integer)
    balance_after: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.String(250))
    reference: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    channel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channels.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class App(Base):
    """A third-party app: a long-lived, scoped token (only its hash is kept)."""

    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_hint: Mapped[str] = mapped_column(sa.String(12))  # the first characters, to recognise it in lists
    scopes: Mapped[list[str]] = mapped_column(sa.JSON)
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
