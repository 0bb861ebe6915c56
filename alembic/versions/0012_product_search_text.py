"""product search text: name, description, SKUs and variant names in one indexed row per product

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 08:00:00.000000

`products(search:)` matches every term against a product's name, description, SKUs and variant
names (which hold the colour and size: "白色 / M"). `product_search` keeps that text, lower-cased,
one row per product, written by triggers, so every writer (staff mutations, the demo loader,
plain INSERTs) keeps it in step:

- PostgreSQL: a table with a pg_trgm GIN index, statement-level triggers refreshing the products a
  statement touched. The text is stored with every character written three times ("白色" is
  "白白白色色色"): a term tripled the same way is then at least one trigram, so the index answers
  "白色" or "鞋" too, and it is in the tripled text exactly when the term is in the text. It replaces
  0008's trigram index on the name alone.
- SQLite: an FTS5 table with the trigram tokenizer (rowid = product id), row-level triggers.

Neither is declared in the models (db.models.DATABASE_ONLY_TABLES).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "DROP INDEX IF EXISTS ix_products_name_trgm",
    """CREATE TABLE product_search (
        product_id BIGINT PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX ix_product_search_body_trgm ON product_search USING gin (body gin_trgm_ops)",
    # Writers of one product's variants take turns on the product row: the second reads the variants the
    # first committed (each statement of the function reads afresh) instead of overwriting them.
    """CREATE OR REPLACE FUNCTION product_search_refresh(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
        SELECT 1 FROM products WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
        INSERT INTO product_search (product_id, body)
        SELECT p.id, regexp_replace(
            lower(concat_ws(' ', p.name, p.description, string_agg(v.sku || ' ' || v.name, ' ' ORDER BY v.id))),
            '(.)', '\\1\\1\\1', 'g')
        FROM products p LEFT JOIN product_variants v ON v.product_id = p.id
        WHERE p.id = ANY (ids)
        GROUP BY p.id
        ON CONFLICT (product_id) DO UPDATE SET body = excluded.body
    $$""",
    """CREATE OR REPLACE FUNCTION product_search_products_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM product_search_refresh(ARRAY(SELECT id FROM changed));
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION product_search_variants_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE ids BIGINT[] := ARRAY(SELECT product_id FROM changed);
    BEGIN
        IF TG_OP = 'UPDATE' THEN  -- a variant moved to another product leaves the old one too
            ids := ids || ARRAY(SELECT product_id FROM was);
        END IF;
        PERFORM product_search_refresh(ids);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER product_search_products_inserted AFTER INSERT ON products
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION product_search_products_changed()""",
    """CREATE TRIGGER product_search_products_updated AFTER UPDATE ON products
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION product_search_products_changed()""",
    """CREATE TRIGGER product_search_variants_inserted AFTER INSERT ON product_variants
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION product_search_variants_changed()""",
    """CREATE TRIGGER product_search_variants_updated AFTER UPDATE ON product_variants
        REFERENCING OLD TABLE AS was NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION product_search_variants_changed()""",
    """CREATE TRIGGER product_search_variants_deleted AFTER DELETE ON product_variants
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION product_search_variants_changed()""",
    "SELECT product_search_refresh(ARRAY(SELECT id FROM products))",
]
_PG_DOWNGRADE = [
    "DROP TABLE product_search",
    "DROP FUNCTION product_search_products_changed() CASCADE",  # CASCADE: with the triggers that call it
    "DROP FUNCTION product_search_variants_changed() CASCADE",
    "DROP FUNCTION product_search_refresh(BIGINT[])",
    "CREATE INDEX ix_products_name_trgm ON products USING gin (lower(name) gin_trgm_ops)",
]

# SQLite: a product's text, and the statements that replace product X's row ({id}: the trigger's NEW or OLD).
_SQLITE_TEXT = """SELECT p.id, lower(p.name || ' ' || coalesce(p.description, '') || ' ' || coalesce(
    (SELECT group_concat(v.sku || ' ' || v.name, ' ') FROM product_variants v WHERE v.product_id = p.id), ''))
    FROM products p"""
_SQLITE_REFRESH = f"""DELETE FROM product_search WHERE rowid = {{id}};
    INSERT INTO product_search (rowid, body) {_SQLITE_TEXT} WHERE p.id = {{id}};"""
_SQLITE_TRIGGERS = {
    "product_search_products_inserted": ("AFTER INSERT ON products", ["new.id"]),
    "product_search_products_updated": ("AFTER UPDATE OF name, description ON products", ["new.id"]),
    "product_search_variants_inserted": ("AFTER INSERT ON product_variants", ["new.product_id"]),
    "product_search_variants_updated": (
        "AFTER UPDATE OF sku, name, product_id ON product_variants",
        ["old.product_id", "new.product_id"],
    ),
    "product_search_variants_deleted": ("AFTER DELETE ON product_variants", ["old.product_id"]),
}


def _sqlite_upgrade() -> None:
    op.execute("CREATE VIRTUAL TABLE product_search USING fts5(body, tokenize = 'trigram')")
    for name, (when, ids) in _SQLITE_TRIGGERS.items():
        body = "".join(_SQLITE_REFRESH.format(id=i) for i in ids)
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")
    op.execute(
        "CREATE TRIGGER product_search_products_deleted AFTER DELETE ON products "
        "BEGIN DELETE FROM product_search WHERE rowid = old.id; END"
    )
    op.execute(f"INSERT INTO product_search (rowid, body) {_SQLITE_TEXT}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_UPGRADE:
            op.execute(statement)
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_DOWNGRADE:
            op.execute(statement)
        return
    for name in [*_SQLITE_TRIGGERS, "product_search_products_deleted"]:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE product_search")
