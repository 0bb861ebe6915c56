"""report rollups: each product's sales per span of four business months

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 17:00:00.000000

A 90-day `topProducts` bounded each product by its four months' figures, read month by month: with
demand as flat as a catalogue of a hundred thousand products has, the sum of four months' bounds
proved nothing and the ranking summed every product's days. One row per product and span of four
months bounds the same days at once (db/report_rankings.py). The spans are filled from the monthly
figures, so the feed carries on where it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_product_spans",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("units_sold", sa.Integer(), nullable=False),
        sa.Column("sales", db.types.Amount(precision=14, scale=3), nullable=False),
        sa.PrimaryKeyConstraint("month", "product_id", name=op.f("pk_report_product_spans")),
    )
    # a month's figures count in the span that begins with it and the three that begin before it
    first = (
        "(month - make_interval(months => back))::date"
        if op.get_bind().dialect.name == "postgresql"
        else "date(month, '-' || back || ' months')"
    )
    op.execute(
        "INSERT INTO report_product_spans (month, product_id, units_sold, sales) "
        f"SELECT {first}, product_id, sum(units_sold), sum(sales) FROM report_product_monthly "
        "CROSS JOIN (SELECT 0 AS back UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) AS backs "
        f"GROUP BY {first}, product_id"
    )
    for measure in ("sales", "units_sold"):  # each span's best first, read from the index alone
        op.create_index(
            f"ix_report_product_spans_month_{measure}", "report_product_spans", ["month", measure, "product_id"]
        )


def downgrade() -> None:
    op.drop_index("ix_report_product_spans_month_units_sold", table_name="report_product_spans")
    op.drop_index("ix_report_product_spans_month_sales", table_name="report_product_spans")
    op.drop_table("report_product_spans")
