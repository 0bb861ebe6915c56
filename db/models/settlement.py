"""Settlement: parties, the rules that say what each role earns, and the append-only ledger
(domain/settlement/model.py).

`settlement_entries` grows with orders, so it carries the order key (ARCHITECTURE "Past one
primary"); parties and rules are small reference tables. An entry's amount is never updated: its
status follows from its completion time, the return window and the statement that collected it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Amount, BigIntPK, UtcDateTime, str_enum
from domain.clock import system_clock
from domain.settlement.model import PartyKind, SettlementEvent, SettlementRole
from domain.settlement.statements import SettlementStatementStatus


class Party(Base):
    """Who shares in sales: the brand (exactly one), franchisees, concession tenants, platforms, suppliers."""

    __tablename__ = "parties"
    __table_args__ = (
        # One brand: the remainder of every line is its.
        sa.Index(
            "uq_parties_brand",
            "kind",
            unique=True,
            sqlite_where=sa.text("kind = 'BRAND'"),
            postgresql_where=sa.text("kind = 'BRAND'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[PartyKind] = mapped_column(str_enum(PartyKind))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class SettlementRule(Base):
    """What a role earns: a rate of a line's net amount or a fixed amount per unit, in a scope and period."""

    __tablename__ = "settlement_rules"
    __table_args__ = (
        sa.CheckConstraint("(rate IS NULL) <> (fixed_amount IS NULL)", name="rate_xor_fixed_amount"),
        sa.Index("ix_settlement_rules_role_id", "role", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    role: Mapped[SettlementRole] = mapped_column(str_enum(SettlementRole))
    party_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parties.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="CASCADE"))
    rate: Mapped[Decimal | None] = mapped_column(Amount)
    fixed_amount: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str | None] = mapped_column(sa.String(3))  # the fixed amount's or minimum's
    # The named party's guaranteed total per statement period (保底): its statement is topped up to it.
    minimum_per_period: Mapped[Decimal | None] = mapped_column(Amount)
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)


class SettlementStatement(Base):
    """What one party is owed for one period in one currency (domain/settlement/statements.py)."""

    __tablename__ = "settlement_statements"
    __table_args__ = (
        # Generating twice (also at once) finds the same statement.
        sa.UniqueConstraint(
            "party_id", "currency", "period_start", "period_end", name="uq_settlement_statements_period"
        ),
        sa.Index("ix_settlement_statements_party_id_id", "party_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id", ondelete="RESTRICT"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    period_start: Mapped[datetime] = mapped_column(UtcDateTime)
    period_end: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[SettlementStatementStatus] = mapped_column(str_enum(SettlementStatementStatus))
    total: Mapped[Decimal] = mapped_column(Amount)
    payment_reference: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock, onupdate=system_clock)


class SettlementEntry(Base):
    """One party's share of one order line's sale or return; never updated nor deleted."""

    __tablename__ = "settlement_entries"
    __table_args__ = (
        sa.Index("ix_settlement_entries_order_id_id", "order_id", "id"),
        sa.Index("ix_settlement_entries_statement_id_id", "statement_id", "id"),
        # What generating statements looks for: the entries no statement holds yet.
        sa.Index(
            "ix_settlement_entries_unclaimed",
            "party_id",
            "currency",
            "completed_at",
            sqlite_where=sa.text("statement_id IS NULL"),
            postgresql_where=sa.text("statement_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # None: an ADJUSTMENT of no order (a guaranteed minimum's top-up and the brand's share of it).
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    order_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("order_lines.id", ondelete="SET NULL"))
    party_id: Mapped[int] = mapped_column(sa.ForeignKey("parties.id", ondelete="RESTRICT"))
    role: Mapped[SettlementRole] = mapped_column(str_enum(SettlementRole))
    event: Mapped[SettlementEvent] = mapped_column(str_enum(SettlementEvent))
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("settlement_rules.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(sa.String(3))
    # The order's completion: the return window starts there (a top-up: its period's cutoff less the window).
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The statement that collected it (its amount never changes; a DRAFT's entries may be collected again).
    statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("settlement_statements.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
