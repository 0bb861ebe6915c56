"""index the settlement entries no statement holds yet, by party and completion

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 14:40:00.000000

Generating a period's statements looks for the settleable entries no statement holds. By
(party, completion) alone that read every entry a party ever had, settled years ago included; a
partial index on the unclaimed ones keeps it to what is left to settle, and replaces that index (read
by nothing else): claiming an entry no longer updates it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNCLAIMED = sa.text("statement_id IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_settlement_entries_unclaimed",
        "settlement_entries",
        ["party_id", "currency", "completed_at"],
        sqlite_where=UNCLAIMED,
        postgresql_where=UNCLAIMED,
    )
    op.drop_index("ix_settlement_entries_party_id_completed_at", table_name="settlement_entries")


def downgrade() -> None:
    op.create_index("ix_settlement_entries_party_id_completed_at", "settlement_entries", ["party_id", "completed_at"])
    op.drop_index("ix_settlement_entries_unclaimed", table_name="settlement_entries")
