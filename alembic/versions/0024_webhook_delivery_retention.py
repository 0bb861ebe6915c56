"""indexes finished webhook deliveries by creation time, for their retention's purge

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 14:00:00.000000

Finished deliveries (succeeded or failed) older than `WEBHOOK_DELIVERY_RETENTION_DAYS` are purged in
batches, oldest first (api/jobs.py); without this index each batch read the whole table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FINISHED = "status <> 'PENDING'"  # db/models/webhooks.py


def upgrade() -> None:
    op.create_index(
        "ix_webhook_deliveries_finished",
        "webhook_deliveries",
        ["created_at"],
        sqlite_where=sa.text(FINISHED),
        postgresql_where=sa.text(FINISHED),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_finished", table_name="webhook_deliveries")
