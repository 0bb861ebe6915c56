"""Accounts: members with their identities, staff users, and refresh tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import BigIntPK, UtcDateTime, str_enum
from domain.access.model import PrincipalKind, StaffRole
from domain.accounts.model import IdentityKind
from domain.clock import system_clock
from domain.settlement.model import new_referral_code


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        sa.CheckConstraint("points_balance >= 0", name="points_balance_not_negative"),
        sa.Index("ix_members_created_at", "created_at"),  # memberReport: who joined in a period
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    joined_channel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channels.id", ondelete="SET NULL"))
    # The store where the member joined (at a till), for attribution.
    joined_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    # The sum of the member's points ledger, kept beside it so that spending is one atomic
    # conditional UPDATE (`... WHERE points_balance >= :n`).
    points_balance: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class MemberIdentity(Base):
    """One way to recognise a member; a normalised value belongs to one member only."""

    __tablename__ = "member_identities"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[IdentityKind] = mapped_column(str_enum(IdentityKind))
    value: Mapped[str] = mapped_column(sa.String(254))
    # Audit: who linked it (a staff member at a till) and when; null staff = the member.
    linked_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[StaffRole] = mapped_column(str_enum(StaffRole))
    # The store a store manager or cashier works at; their stock rights are limited to it.
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # A staff guide's referral code (on their QR): sales they bring are attributed to them.
    referral_code: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_referral_code)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class RefreshToken(Base):
    """Only the SHA-256 of a refresh token is kept. Tokens of one sign-in form a family:
    each refresh uses one up and issues the next; reuse of a used one revokes the family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    family: Mapped[str] = mapped_column(sa.String(32), index=True)
    subject_kind: Mapped[PrincipalKind] = mapped_column(str_enum(PrincipalKind))
    subject_id: Mapped[int] = mapped_column(sa.BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
