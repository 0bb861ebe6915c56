"""Report rollups: sales figures summed per business day, kept up to date from the order events
(db/report_feed.py, rules in domain/reports/rollup.py), so a report reads a few thousand rows
rather than every order.

Keys use 0 for "none" (a delivery sold by no store, a product in no category or deleted) so that
every key is exactly one row that increments add to (NULLs are never equal in a unique key). The
keys are references without foreign keys: a rollup keeps the figures of a store or product that is
later removed. `report_watermarks` remembers, per feed, the last order event counted and the ids
below it that were not committed yet when it was counted past them (see db/report_feed.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Amount, UtcDateTime
from domain.clock import system_clock

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class ReportSalesDaily(Base):
    """Per business day, channel, store and variant (with its product and category at the time): what
    the product rankings read."""

    __tablename__ = "report_sales_daily"
    __table_args__ = (  # a product's days, read without the table (PostgreSQL) by the bounded ranking
        sa.Index(
            "ix_report_sales_daily_product_id_business_date",
            "product_id",
            "business_date",
            postgresql_include=[
                "channel_id",
                "location_id",
                "units_sold",
                "units_returned",
                "gross",
                "discounts",
                "returns",
            ],
        ),
    )

    business_date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Key, primary_key=True)
    location_id: Mapped[int] = mapped_column(Key, primary_key=True)
    category_id: Mapped[int] = mapped_column(Key, primary_key=True)
    product_id: Mapped[int] = mapped_column(Key, primary_key=True)
    variant_id: Mapped[int] = mapped_column(Key, primary_key=True)
    units_sold: Mapped[int] = mapped_column(sa.Integer, default=0)
    units_returned: Mapped[int] = mapped_column(sa.Integer, default=0)
    gross: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    discounts: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    returns: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))


class ReportProductMonthly(Base):
    """Per business month (dated by its first day) and product, on every channel and at every store: the
    units sold and what was paid for them (gross less discounts), returns left out. Never negative, so
    they bound what a product can have sold on any days of the month, in any channel or store: the
    product ranking reads each month's best first (db/report_rankings.py). A return adds a row of
    zeros, so every product with figures in a month has a row."""

    __tablename__ = "report_product_monthly"
    __table_args__ = (
        sa.Index("ix_report_product_monthly_month_sales", "month", "sales", "product_id"),
        sa.Index("ix_report_product_monthly_month_units_sold", "month", "units_sold", "product_id"),
    )

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(Key, primary_key=True)
    units_sold: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))


class ReportProductSpan(Base):
    """Per product and span of four business months (`SPAN_MONTHS`, dated by the first day of the first), on
    every channel and at every store: `report_product_monthly`'s figures summed over the span, so that
    a single row bounds what a product sold on any days within it, in any channel or store (a 90-day
    ranking reads one span's best first rather than four months' best: db/report_rankings.py)."""

    __tablename__ = "report_product_spans"
    __table_args__ = (
        sa.Index("ix_report_product_spans_month_sales", "month", "sales", "product_id"),
        sa.Index("ix_report_product_spans_month_units_sold", "month", "units_sold", "product_id"),
    )

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(Key, primary_key=True)
    units_sold: Mapped[int] = mapped_column(sa.Integer, default=0)
    sales: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))


class ReportOrdersDaily(Base):
    """Sales per business day, channel and store, with the orders paid (each order is in exactly one
    row): what a sales report not grouped by category reads (a few rows per day)."""

    __tablename__ = "report_orders_daily"
    __table_args__ = (  # a sales report's days by store, read in order from the index alone (PostgreSQL)
        sa.Index(
            "ix_report_orders_daily_business_date_location_id",
            "business_date",
            "location_id",
            postgresql_include=[
                "channel_id",
                "orders",
                "units_sold",
                "units_returned",
                "gross",
                "discounts",
                "returns",
            ],
        ),
    )

    business_date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Key, primary_key=True)
    location_id: Mapped[int] = mapped_column(Key, primary_key=True)
    orders: Mapped[int] = mapped_column(sa.Integer, default=0)
    units_sold: Mapped[int] = mapped_column(sa.Integer, default=0)
    units_returned: Mapped[int] = mapped_column(sa.Integer, default=0)
    gross: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    discounts: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    returns: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))


class ReportCategoryOrdersDaily(Base):
    """Sales per business day, channel, store and category, with the orders paid that have lines in
    the category: what a sales report grouped by category reads."""

    __tablename__ = "report_category_orders_daily"

    business_date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Key, primary_key=True)
    location_id: Mapped[int] = mapped_column(Key, primary_key=True)
    category_id: Mapped[int] = mapped_column(Key, primary_key=True)
    orders: Mapped[int] = mapped_column(sa.Integer, default=0)
    units_sold: Mapped[int] = mapped_column(sa.Integer, default=0)
    units_returned: Mapped[int] = mapped_column(sa.Integer, default=0)
    gross: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    discounts: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    returns: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))


class ReportMemberOrdersDaily(Base):
    """Orders a member paid per business day, channel and store: who was active, who came back."""

    __tablename__ = "report_member_orders_daily"
    __table_args__ = (sa.Index("ix_report_member_orders_daily_business_date", "business_date"),)

    member_id: Mapped[int] = mapped_column(Key, primary_key=True)
    business_date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    channel_id: Mapped[int] = mapped_column(Key, primary_key=True)
    location_id: Mapped[int] = mapped_column(Key, primary_key=True)
    orders: Mapped[int] = mapped_column(sa.Integer, default=0)


class ReportWatermark(Base):
    """How far a feed has counted the order events."""

    __tablename__ = "report_watermarks"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    gaps: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)  # [[event id, first seen (ISO)], ...]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=system_clock)
