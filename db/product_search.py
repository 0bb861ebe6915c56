"""Product search: which products hold every term, and how well each matches.

The text searched is `product_search.body` (migrations 0012 and 0019): a product's name,
description, SKUs, variant names and the values of its variants' attributes (colour, size),
lower-cased, kept in step by triggers on all four tables. Most Chinese words are two characters
("白色", "圆领"), shorter than the trigrams both indexes are made of:

- PostgreSQL stores the text with every character tripled, and looks for the tripled term: any term
  is then a trigram or more, and every one is answered from pg_trgm's GIN index;
- SQLite answers terms of 3 characters or more from its FTS5 trigram table, and a shorter one with a
  LIKE over the same text, which narrows what the index found or, alone, reads it all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Product
from db.pagination import Ordering, SortKey, parse_int, parse_str

TRIGRAM = 3  # the shortest term a trigram index can answer

_search = sa.table("product_search", sa.column("product_id", sa.BigInteger), sa.column("body", sa.Text))
_fts_rowid = sa.literal_column("product_search.rowid", sa.BigInteger)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, term: str, dialect: str) -> sa.ColumnElement[bool]:
    """`column` holds `term` (PostgreSQL's LIKE escapes with a backslash by default, SQLite's only
    when told)."""
    if dialect == "postgresql":
        return column.like(_like_pattern(term))
    return column.like(_like_pattern(term), escape="\\")


def matching(terms: Sequence[str], dialect: str) -> sa.ColumnElement[bool]:
    """Products whose text holds every term (terms are lower-case)."""
    if dialect == "postgresql":
        tripled = ("".join(c * 3 for c in t) for t in terms)
        found = sa.select(_search.c.product_id).where(*(_contains(_search.c.body, t, dialect) for t in tripled))
        return Product.id.in_(found)
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    where = [_contains(_search.c.body, t, dialect) for t in terms if len(t) < TRIGRAM]
    if long_terms:  # FTS5: a quoted string is a substring for the trigram tokenizer
        query = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        where.append(sa.literal_column("product_search").op("MATCH")(query))
    return Product.id.in_(sa.select(_fts_rowid).select_from(_search).where(*where))


def relevance(terms: Sequence[str], dialect: str) -> sa.ColumnElement[int]:
    """How many of the terms the product's name holds: a name match ranks above one found only in a
    SKU, a variant, an attribute value or the description."""
    name = sa.func.lower(Product.name)
    hits = [sa.case((_contains(name, t, dialect), 1), else_=0) for t in terms]
    return sa.cast(sum(hits[1:], hits[0]), sa.Integer)


def relevance_ordering(terms: Sequence[str], rank: sa.ColumnElement[int]) -> Ordering:
    """Best match first, then by name. The ordering's name carries a digest of the terms: a cursor from
    one search is refused by another, whose ranks differ."""
    digest = hashlib.blake2s(" ".join(terms).encode(), digest_size=6).hexdigest()
    return Ordering(
        f"relevance-{digest}",
        [
            SortKey(rank, descending=True, parse=parse_int),
            SortKey(Product.name, parse=parse_str),
            SortKey(Product.id, parse=parse_int),
        ],
    )


async def refresh_all(conn: AsyncConnection) -> None:
    """Rewrite every product's text on PostgreSQL, after a bulk load that skipped the triggers
    (`session_replication_role = replica` skips them with the foreign-key checks); SQLite's ran. A
    database made from the models alone, not migrated, has no search text to write."""
    if conn.dialect.name != "postgresql":
        return
    if await conn.scalar(sa.text("SELECT to_regproc('product_search_refresh') IS NOT NULL")):
        await conn.execute(sa.text("SELECT product_search_refresh(ARRAY(SELECT id FROM products))"))
