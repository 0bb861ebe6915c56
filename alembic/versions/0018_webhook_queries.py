"""webhook payload queries: the subscription document that shapes a webhook's `data`

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 10:20:00.000000

`webhooks.query` holds the document as the app sent it (validated at creation); null keeps the
documented default payload.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('query', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhooks', schema=None) as batch_op:
        batch_op.drop_column('query')
