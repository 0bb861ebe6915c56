"""inventory movements by location: the ledger of one store, newest first

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:00:00.000000

`inventoryMovements(filter: {locationId})` (a store's staff read their own location's ledger)
pages a location's movements by id; without this index it would walk every location's.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inventory_movements', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_movements_location', ['location_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inventory_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_movements_location')
