"""settlement minimum: a rule's guaranteed minimum per period, and ledger entries of no order

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 11:10:00.000000

`settlement_rules.minimum_per_period` is the named party's guaranteed total per statement period
(保底); generating its statement tops it up with an ADJUSTMENT entry, which belongs to no order, so
`settlement_entries.order_id` becomes optional. Existing rules guarantee nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0020"
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("settlement_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minimum_per_period", db.types.Amount(precision=14, scale=3), nullable=True))
    with op.batch_alter_table("settlement_entries", schema=None) as batch_op:
        batch_op.alter_column("order_id", existing_type=ORDER_ID, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM settlement_entries WHERE order_id IS NULL")
    with op.batch_alter_table("settlement_entries", schema=None) as batch_op:
        batch_op.alter_column("order_id", existing_type=ORDER_ID, nullable=False)
    with op.batch_alter_table("settlement_rules", schema=None) as batch_op:
        batch_op.drop_column("minimum_per_period")
