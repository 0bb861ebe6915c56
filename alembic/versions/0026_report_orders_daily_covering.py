"""report rollups: the per-store rollup's days by store, read from an index

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 20:30:00.000000

A 90-day sales report by day and store read the per-store rollup with a sequential scan (the feed's
updates leave it several times the pages its rows need: 1,155 for 18,669 rows at a million orders),
hashed the rows into groups and sorted them. An index on the day and the store that holds every
figure (PostgreSQL's INCLUDE) gives the same rows from a tenth of the pages, already in the report's
order, so that PostgreSQL sums them group by group as they come (no hash, no sort).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ["channel_id", "orders", "units_sold", "units_returned", "gross", "discounts", "returns"]


def upgrade() -> None:
    op.create_index(
        "ix_report_orders_daily_business_date_location_id",
        "report_orders_daily",
        ["business_date", "location_id"],
        postgresql_include=INCLUDED,
    )


def downgrade() -> None:
    op.drop_index("ix_report_orders_daily_business_date_location_id", table_name="report_orders_daily")
