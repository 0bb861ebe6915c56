"""stock records: the ledger of one location, and transfers in transit

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:00:00.000000

`inventoryMovements(filter: {locationId})` (a store's staff read their own location's ledger)
pages a location's movements by id; without this index it would walk every location's.
`stock_transfers` holds units sent from one location and not yet counted in at the other.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inventory_movements', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_movements_location', ['location_id', 'id'], unique=False)
    op.create_table('stock_transfers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('variant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('to_location_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('IN_TRANSIT', 'RECEIVED', name='transferstatus', native_enum=False, length=20), nullable=False),
    sa.Column('received_quantity', sa.Integer(), nullable=True),
    sa.Column('sent_by_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_by_staff_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('sent_at', db.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', db.types.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_transfers_quantity_positive')),
    sa.CheckConstraint('received_quantity IS NULL OR (received_quantity >= 0 AND received_quantity <= quantity)', name=op.f('ck_stock_transfers_received_within_sent')),
    sa.ForeignKeyConstraint(['from_location_id'], ['locations.id'], name=op.f('fk_stock_transfers_from_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['received_by_staff_id'], ['staff_users.id'], name=op.f('fk_stock_transfers_received_by_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sent_by_staff_id'], ['staff_users.id'], name=op.f('fk_stock_transfers_sent_by_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_location_id'], ['locations.id'], name=op.f('fk_stock_transfers_to_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_stock_transfers_variant_id_product_variants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_transfers')),
    sa.UniqueConstraint('reference', name=op.f('uq_stock_transfers_reference'))
    )
    with op.batch_alter_table('stock_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_stock_transfers_from', ['from_location_id', 'id'], unique=False)
        batch_op.create_index('ix_stock_transfers_to', ['to_location_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stock_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_transfers_to')
        batch_op.drop_index('ix_stock_transfers_from')

    op.drop_table('stock_transfers')
    with op.batch_alter_table('inventory_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_movements_location')
