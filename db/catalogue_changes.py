"""Noticing that a transaction wrote what storefront reads show, so the response cache can be
invalidated.

Session listeners mark `session.info[CATALOGUE_CHANGED]` when a statement (Core INSERT, UPDATE or
DELETE through the session) or a flush (ORM objects) touches a catalogue table, and
`session.info[STOCK_CHANGED]` when it touches stock levels. The API bumps the response cache's
version after such a transaction commits (api/response_cache.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

CATALOGUE_CHANGED = "catalogue_changed"
STOCK_CHANGED = "stock_changed"
STOCK_TABLES = frozenset({"stock_levels"})
CATALOGUE_TABLES = frozenset(
    {
        "channels",
        "categories",
        "products",
        "product_variants",
        "product_media",
        "variant_attributes",
        "product_channel_listings",
        "variant_channel_listings",
        "locations",
        "channel_locations",
        "promotions",
    }
)


def _statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if name in CATALOGUE_TABLES:
        state.session.info[CATALOGUE_CHANGED] = True
    elif name in STOCK_TABLES:
        state.session.info[STOCK_CHANGED] = True


def _flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        name = getattr(type(obj), "__tablename__", None)
        if name in CATALOGUE_TABLES:
            session.info[CATALOGUE_CHANGED] = True
        elif name in STOCK_TABLES:
            session.info[STOCK_CHANGED] = True


def watch_catalogue_writes() -> None:
    """Install the listeners (once; every session of the process)."""
    if not event.contains(Session, "do_orm_execute", _statement):
        event.listen(Session, "do_orm_execute", _statement)
        event.listen(Session, "before_flush", _flush)
