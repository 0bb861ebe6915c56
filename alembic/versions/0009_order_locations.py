"""order locations: the store and the stock locations each order belongs to

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:00:00.000000

Store staff read and act on the orders of their own location only. An order belongs to its
store (`orders.location_id`: the till's store, the pickup store) and to the locations its units
come from (`order_allocations`), which the backfill copies.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('order_locations',
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_order_locations_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_locations_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('location_id', 'order_id', name=op.f('pk_order_locations'))
    )
    with op.batch_alter_table('order_locations', schema=None) as batch_op:
        batch_op.create_index('ix_order_locations_order_id', ['order_id'], unique=False)
    op.execute("INSERT INTO order_locations (location_id, order_id) "
               "SELECT location_id, id FROM orders WHERE location_id IS NOT NULL "
               "UNION SELECT location_id, order_id FROM order_allocations")


def downgrade() -> None:
    with op.batch_alter_table('order_locations', schema=None) as batch_op:
        batch_op.drop_index('ix_order_locations_order_id')

    op.drop_table('order_locations')
