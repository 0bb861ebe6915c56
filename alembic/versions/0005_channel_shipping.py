"""channel shipping

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:44:21.106423
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_flat_rate', db.types.Amount(precision=14, scale=3), nullable=True))
        batch_op.add_column(sa.Column('shipping_free_over', db.types.Amount(precision=14, scale=3), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('shipping_free_over')
        batch_op.drop_column('shipping_flat_rate')

