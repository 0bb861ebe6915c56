"""report rollups: each product's sales per business month, and each product's days by product

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 14:00:00.000000

`topProducts` summed every row of `report_sales_daily` in its days (half a million for 90 days at a
million orders) to rank a handful. The monthly figures give each month's best sellers first and bound
what any other product can have sold (db/report_rankings.py); the index by product reads the exact
figures of those few, without the table on PostgreSQL. The monthly table is filled from the daily
one, so the feed carries on where it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ["channel_id", "location_id", "units_sold", "units_returned", "gross", "discounts", "returns"]


def upgrade() -> None:
    op.create_table(
        "report_product_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("units_sold", sa.Integer(), nullable=False),
        sa.Column("sales", db.types.Amount(precision=14, scale=3), nullable=False),
        sa.PrimaryKeyConstraint("month", "product_id", name=op.f("pk_report_product_monthly")),
    )
    month = (
        "date_trunc('month', business_date)::date"
        if op.get_bind().dialect.name == "postgresql"
        else "date(business_date, 'start of month')"
    )
    op.execute(
        "INSERT INTO report_product_monthly (month, product_id, units_sold, sales) "
        f"SELECT {month}, product_id, sum(units_sold), sum(gross - discounts) FROM report_sales_daily "
        f"WHERE product_id <> 0 GROUP BY {month}, product_id"
    )
    for measure in ("sales", "units_sold"):  # each month's best first, read from the index alone
        op.create_index(
            f"ix_report_product_monthly_month_{measure}", "report_product_monthly", ["month", measure, "product_id"]
        )
    op.create_index(
        "ix_report_sales_daily_product_id_business_date",
        "report_sales_daily",
        ["product_id", "business_date"],
        postgresql_include=INCLUDED,
    )


def downgrade() -> None:
    op.drop_index("ix_report_sales_daily_product_id_business_date", table_name="report_sales_daily")
    op.drop_index("ix_report_product_monthly_month_units_sold", table_name="report_product_monthly")
    op.drop_index("ix_report_product_monthly_month_sales", table_name="report_product_monthly")
    op.drop_table("report_product_monthly")
