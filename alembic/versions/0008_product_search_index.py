"""product search: a trigram index on lower(name), PostgreSQL only

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 22:10:00.000000

`products(search:)` is `lower(name) LIKE '%text%'`. Without an index a search that matches
little reads the whole table (80 ms at 100,000 products); pg_trgm's GIN index answers it from
the index. SQLite has no such index type: it keeps scanning, which suits its single-user size.
The index is an expression index the models do not declare (db.models.DATABASE_ONLY_INDEXES).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_products_name_trgm ON products USING gin (lower(name) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_products_name_trgm")
