"""fulfilments: each location's share of an order; a channel's delivery routing

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 08:30:00.000000

One fulfilment per order and location its units are allocated from; its lines are the order's
allocations there. Existing orders get theirs from their allocations, with the status that
follows from the order's: shipped orders' SHIPPED (with the order's tracking number), completed
and returned ones' DELIVERED, cancelled ones' CANCELLED, the rest PENDING. `channels.routing` is
the rule that picks the locations shipping a channel's deliveries (NEAREST, as before, for all).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('routing', sa.Enum('NEAREST', 'PRIORITY', 'WAREHOUSES_FIRST', name='routing', native_enum=False, length=20), server_default='NEAREST', nullable=False))
    op.create_table('fulfilments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'SHIPPED', 'DELIVERED', 'CANCELLED', name='fulfilmentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('created_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_fulfilments_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_fulfilments_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfilments')),
    sa.UniqueConstraint('order_id', 'location_id', name=op.f('uq_fulfilments_order_id_location_id'))
    )
    with op.batch_alter_table('fulfilments', schema=None) as batch_op:
        batch_op.create_index('ix_fulfilments_location_id_status_id', ['location_id', 'status', 'id'], unique=False)
    op.execute(
        """
        INSERT INTO fulfilments (order_id, location_id, status, tracking_number, created_at, updated_at)
        SELECT o.id, a.location_id,
               CASE
                   WHEN o.status = 'SHIPPED' THEN 'SHIPPED'
                   WHEN o.status IN ('COMPLETED', 'PARTIALLY_RETURNED', 'RETURNED') THEN 'DELIVERED'
                   WHEN o.status = 'CANCELLED' THEN 'CANCELLED'
                   ELSE 'PENDING'
               END,
               CASE WHEN o.status IN ('SHIPPED', 'COMPLETED', 'PARTIALLY_RETURNED', 'RETURNED')
                    THEN o.tracking_number END,
               o.created_at, o.updated_at
        FROM orders o
        JOIN (SELECT DISTINCT order_id, location_id FROM order_allocations) a ON a.order_id = o.id
        ORDER BY o.id, a.location_id
        """
    )


def downgrade() -> None:
    with op.batch_alter_table('fulfilments', schema=None) as batch_op:
        batch_op.drop_index('ix_fulfilments_location_id_status_id')
    op.drop_table('fulfilments')
    with op.batch_alter_table('channels', schema=None) as batch_op:
        batch_op.drop_column('routing')
