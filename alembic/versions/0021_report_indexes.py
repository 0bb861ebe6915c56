"""indexes the reports and attributes read by: members and coupons by creation, attributes by product

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 12:15:00.000000

`memberReport` counts the members who joined in a period and `couponReport` the coupons issued in one:
both scanned their whole table. Deleting a product (and its search text) reads its variants'
attributes by product id, which only the (name, value, product) index held, in third place.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_members_created_at", "members", "created_at"),
    ("ix_coupons_created_at", "coupons", "created_at"),
    ("ix_variant_attributes_product_id", "variant_attributes", "product_id"),
)


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
