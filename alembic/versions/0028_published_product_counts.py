"""published products per channel: kept as changes by triggers, not counted

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 06:00:00.000000

A storefront's product list asks for its `totalCount`; without a filter it is the number of the
channel's published listings, which PostgreSQL counted by reading every listing of every channel:
1.1-1.8 ms of a 10,000-product catalogue's page (the page's own rows took 0.3 ms), and it grows with
the catalogue (4.5 ms at 100,000 even from an index). Now triggers on `product_channel_listings` add
the change to `published_product_counts` in the writing transaction, and the count is the sum of the
channel's rows there (db/published_counts.py folds them).

Rows are only ever inserted, so concurrent writers never wait for each other's count. On PostgreSQL
an INSERT or DELETE adds a row per statement and channel (a bulk load or a product's cascade adds one,
not one per listing), an UPDATE that publishes, unpublishes or moves a listing a row per listing, and
a TRUNCATE empties the counts; SQLite's triggers are per row.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "published_product_counts"
_PG_FUNCTIONS = {
    # statement-level, over the statement's rows (transition tables)
    "published_product_counts_added": f"""INSERT INTO {TABLE} (channel_id, delta)
        SELECT channel_id, count(*) FROM added WHERE is_published GROUP BY channel_id""",
    "published_product_counts_removed": f"""INSERT INTO {TABLE} (channel_id, delta)
        SELECT channel_id, -count(*) FROM removed WHERE is_published GROUP BY channel_id""",
    # row-level, for the rows whose publication or channel changed
    "published_product_counts_moved": f"""IF OLD.is_published THEN
            INSERT INTO {TABLE} (channel_id, delta) VALUES (OLD.channel_id, -1);
        END IF;
        IF NEW.is_published THEN
            INSERT INTO {TABLE} (channel_id, delta) VALUES (NEW.channel_id, 1);
        END IF""",
    "published_product_counts_emptied": f"DELETE FROM {TABLE}",
}
_MOVED = "OLD.is_published IS DISTINCT FROM NEW.is_published OR OLD.channel_id IS DISTINCT FROM NEW.channel_id"
_PG_TRIGGERS = {
    "published_product_counts_added": "AFTER INSERT ON product_channel_listings REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT",
    "published_product_counts_removed": "AFTER DELETE ON product_channel_listings REFERENCING OLD TABLE AS removed "
    "FOR EACH STATEMENT",
    "published_product_counts_moved": "AFTER UPDATE OF is_published, channel_id ON product_channel_listings "
    f"FOR EACH ROW WHEN ({_MOVED})",
    "published_product_counts_emptied": "AFTER TRUNCATE ON product_channel_listings FOR EACH STATEMENT",
}
_SQLITE_TRIGGERS = {
    "published_product_counts_added": "AFTER INSERT ON product_channel_listings WHEN NEW.is_published BEGIN "
    f"INSERT INTO {TABLE} (channel_id, delta) VALUES (NEW.channel_id, 1); END",
    "published_product_counts_removed": "AFTER DELETE ON product_channel_listings WHEN OLD.is_published BEGIN "
    f"INSERT INTO {TABLE} (channel_id, delta) VALUES (OLD.channel_id, -1); END",
    "published_product_counts_moved": "AFTER UPDATE OF is_published, channel_id ON product_channel_listings "
    "WHEN OLD.is_published IS NOT NEW.is_published OR OLD.channel_id IS NOT NEW.channel_id BEGIN "
    f"INSERT INTO {TABLE} (channel_id, delta) SELECT OLD.channel_id, -1 WHERE OLD.is_published; "
    f"INSERT INTO {TABLE} (channel_id, delta) SELECT NEW.channel_id, 1 WHERE NEW.is_published; END",
}


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_product_counts")),
    )
    op.create_index("ix_published_product_counts_channel_id_delta", TABLE, ["channel_id", "delta"])
    op.execute(
        f"""INSERT INTO {TABLE} (channel_id, delta)
        SELECT channel_id, count(*) FROM product_channel_listings WHERE is_published GROUP BY channel_id"""
    )
    if op.get_bind().dialect.name == "postgresql":
        for name, body in _PG_FUNCTIONS.items():
            op.execute(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n    {body};\n    RETURN NULL;\nEND $$"
            )
        for name, when in _PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {name}()")
        return
    for name, definition in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON product_channel_listings")
        for name in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_published_product_counts_channel_id_delta", table_name=TABLE)
    op.drop_table(TABLE)
