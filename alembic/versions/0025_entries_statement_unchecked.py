"""settlement entries name their statement without a foreign key

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 15:00:00.000000

Generating a month's statements claims every entry it collects: on PostgreSQL the foreign key checked
each of them against its statement (1.6-1.9 s of the 5.5-5.9 s claim of 289,066 entries in `EXPLAIN
ANALYZE` on the settlement bench's month; 3.6-3.9 s without it).
Only that claim writes `statement_id`, from the statements it has just locked, and statements are
never deleted, so the check guarded nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_settlement_entries_statement_id_settlement_statements"


def upgrade() -> None:
    with op.batch_alter_table("settlement_entries", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("settlement_entries", schema=None) as batch_op:
        batch_op.create_foreign_key(FK, "settlement_statements", ["statement_id"], ["id"], ondelete="SET NULL")
