"""search attributes: a product's search text holds its variants' attribute values too

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 11:30:00.000000

`products(search:)` finds "白色" in a variant's colour and "XL" in its size as well as in the
name, description, SKUs and variant names (0012). The text gains the distinct attribute values of
the product's variants (read through the variants, on their indexes), and `variant_attributes`
gets the same triggers as `product_variants`, so `productVariantAttributesSet` (and every other
writer) shows in search at once:

- PostgreSQL: `product_search_refresh` is redefined; statement-level triggers on
  `variant_attributes` call it for the products of the rows a statement touched (through the
  function 0012 made for variants: both tables carry the product's id).
- SQLite: a trigger's statements hold the text's query, so 0012's triggers are made again with the
  new one, and three more follow `variant_attributes`.

Products with attributes get their text again; the others' is unchanged. Going down, the text is
0012's again (the function keeps this revision's shape, without the attributes' join).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL: the text of the products in `ids`, every character tripled (see 0012). The variants' part
# and the attribute values' part (_PG_ATTRIBUTES, or nothing going down) are each aggregated for `ids`
# alone and joined to the products: one plan for one product (index lookups) and for all of them (hash
# joins), also on tables just loaded and without statistics (a subquery per product took 13 s for 10,000).
_PG_REFRESH = """CREATE OR REPLACE FUNCTION product_search_refresh(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM products WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    INSERT INTO product_search (product_id, body)
    SELECT p.id, regexp_replace(lower(concat_ws(' ', p.name, p.description, v.body{attributes_body})),
        '(.)', '\\1\\1\\1', 'g')
    FROM products p
    LEFT JOIN (
        SELECT product_id, string_agg(sku || ' ' || name, ' ' ORDER BY id) AS body FROM product_variants
        WHERE product_id = ANY (ids) GROUP BY product_id
    ) v ON v.product_id = p.id{attributes_join}
    WHERE p.id = ANY (ids)
    ON CONFLICT (product_id) DO UPDATE SET body = excluded.body
$$"""
_PG_ATTRIBUTES = {
    "attributes_body": ", a.body",
    "attributes_join": """
    LEFT JOIN (
        SELECT pv.product_id, string_agg(DISTINCT a.value, ' ') AS body
        FROM product_variants pv JOIN variant_attributes a ON a.variant_id = pv.id
        WHERE pv.product_id = ANY (ids) GROUP BY pv.product_id
    ) a ON a.product_id = p.id""",
}
_PG_WITHOUT_ATTRIBUTES = {"attributes_body": "", "attributes_join": ""}
_PG_TRIGGERS = {
    "product_search_attributes_inserted": "AFTER INSERT ON variant_attributes REFERENCING NEW TABLE AS changed",
    "product_search_attributes_updated": (
        "AFTER UPDATE ON variant_attributes REFERENCING OLD TABLE AS was NEW TABLE AS changed"
    ),
    "product_search_attributes_deleted": "AFTER DELETE ON variant_attributes REFERENCING OLD TABLE AS changed",
}
_PG_WITH_ATTRIBUTES = "SELECT product_search_refresh(ARRAY(SELECT DISTINCT product_id FROM variant_attributes))"

# SQLite: a product's text ({attributes}: the attribute values' part, or nothing), and the statements that
# replace product X's row ({id}: the trigger's NEW or OLD).
_SQLITE_TEXT = """SELECT p.id, lower(p.name || ' ' || coalesce(p.description, '') || ' ' || coalesce(
    (SELECT group_concat(v.sku || ' ' || v.name, ' ') FROM product_variants v WHERE v.product_id = p.id), ''){attributes})
    FROM products p"""
_SQLITE_ATTRIBUTES = """ || ' ' || coalesce(
    (SELECT group_concat(value, ' ') FROM (SELECT DISTINCT a.value FROM product_variants pv
     JOIN variant_attributes a ON a.variant_id = pv.id WHERE pv.product_id = p.id)), '')"""
_SQLITE_REFRESH = """DELETE FROM product_search WHERE rowid = {id};
    INSERT INTO product_search (rowid, body) {text} WHERE p.id = {id};"""
# 0012's triggers, made again with the new text.
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
_SQLITE_ATTRIBUTE_TRIGGERS = {
    "product_search_attributes_inserted": ("AFTER INSERT ON variant_attributes", ["new.product_id"]),
    "product_search_attributes_updated": (
        "AFTER UPDATE OF value, variant_id, product_id ON variant_attributes",
        ["old.product_id", "new.product_id"],
    ),
    "product_search_attributes_deleted": ("AFTER DELETE ON variant_attributes", ["old.product_id"]),
}
_SQLITE_WITH_ATTRIBUTES = "p.id IN (SELECT product_id FROM variant_attributes)"


def _sqlite_triggers(triggers: dict[str, tuple[str, list[str]]], attributes: str) -> None:
    text = _SQLITE_TEXT.format(attributes=attributes)
    for name, (when, ids) in triggers.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        body = "".join(_SQLITE_REFRESH.format(id=i, text=text) for i in ids)
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")


def _sqlite_rewrite_products_with_attributes(attributes: str) -> None:
    op.execute("DELETE FROM product_search WHERE rowid IN (SELECT product_id FROM variant_attributes)")
    text = _SQLITE_TEXT.format(attributes=attributes)
    op.execute(f"INSERT INTO product_search (rowid, body) {text} WHERE {_SQLITE_WITH_ATTRIBUTES}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_REFRESH.format(**_PG_ATTRIBUTES))
        for name, when in _PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT EXECUTE FUNCTION product_search_variants_changed()"
            )
        op.execute(_PG_WITH_ATTRIBUTES)
        return
    _sqlite_triggers(_SQLITE_TRIGGERS, _SQLITE_ATTRIBUTES)
    _sqlite_triggers(_SQLITE_ATTRIBUTE_TRIGGERS, _SQLITE_ATTRIBUTES)
    _sqlite_rewrite_products_with_attributes(_SQLITE_ATTRIBUTES)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON variant_attributes")
        op.execute(_PG_REFRESH.format(**_PG_WITHOUT_ATTRIBUTES))
        op.execute(_PG_WITH_ATTRIBUTES)
        return
    for name in _SQLITE_ATTRIBUTE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    _sqlite_triggers(_SQLITE_TRIGGERS, "")
    _sqlite_rewrite_products_with_attributes("")
