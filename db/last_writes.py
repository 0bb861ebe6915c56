"""Stock changes sent with the COMMIT on PostgreSQL: a hot stock row (a flash sale's) stays locked only
while the server runs the change and the commit, not for a round trip and the wait for this process's
event loop to come back to the transaction, which is where a sale's buyers used to queue.

The unit of work's transaction lets a repository hold the changes (`hold`, only inside it: a caller that
commits the session itself gets them applied at once). Its commit (`commit`) then sends them in one
simple-protocol message: `DO $$ ... $$; COMMIT; BEGIN`. The DO block makes each conditional UPDATE in
order and, when a level cannot take one, raises with the change's position and what the level had, so
PostgreSQL skips the rest of the message and the caller rolls back. The values are integers and a
timestamp formatted here (nothing a client sent reaches the text). The trailing BEGIN opens an empty
transaction for SQLAlchemy's own COMMIT to end (no WAL flush, no warning), so neither SQLAlchemy's nor
asyncpg's transaction state is touched. Statement listeners (counts, tracing) see the message as one
statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.sql import dialect_name
from domain.errors import DomainError
from domain.inventory.services import Change, insufficient

HELD = "stock_at_commit"  # session.info: the changes the commit sends
ENABLED = "stock_with_commit"  # session.info: set by the unit of work's transaction while it runs
SHORT = "omnishop: stock short"


def can_hold(session: AsyncSession) -> bool:
    return bool(session.info.get(ENABLED)) and dialect_name(session) == "postgresql"


def hold(session: AsyncSession, changes: Sequence[Change]) -> None:
    session.info.setdefault(HELD, []).extend(changes)


def forget(session: AsyncSession) -> None:
    session.info.pop(HELD, None)


async def commit(session: AsyncSession, now: datetime) -> None:
    """Commit the session's transaction, with the changes held for it (raising INSUFFICIENT_STOCK, the
    transaction not committed, when one cannot apply)."""
    changes: list[Change] | None = session.info.pop(HELD, None)
    if changes:
        await session.flush()
        await _send_with_commit(session, changes, now)
    await session.commit()


def message(changes: Sequence[Change], now: datetime, *, with_commit: bool = True) -> str:
    """The DO block and, `with_commit`, the COMMIT and the empty transaction after it."""
    at = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    steps = []
    for i, c in enumerate(changes):
        v, loc, on_hand, reserved = int(c.variant_id), int(c.location_id), int(c.on_hand_delta), int(c.reserved_delta)
        where = f"variant_id = {v} AND location_id = {loc}"
        steps.append(
            f"UPDATE stock_levels SET on_hand = on_hand + {on_hand}, reserved = reserved + {reserved}, "
            f"updated_at = '{at}' WHERE {where} AND reserved + {reserved} >= 0 "
            f"AND on_hand + {on_hand} >= reserved + {reserved};\n"
            f"IF NOT FOUND THEN SELECT on_hand - reserved INTO available FROM stock_levels WHERE {where};\n"
            f"RAISE EXCEPTION '{SHORT}' USING DETAIL = '{i} ' || coalesce(available, 0); END IF;\n"
        )
    block = "DO $$DECLARE available integer; BEGIN\n" + "".join(steps) + "END $$"
    return block + "; COMMIT; BEGIN" if with_commit else block


class _Context:
    """What statement listeners are given as the execution context of the message: no options."""

    execution_options: MappingProxyType[str, Any] = MappingProxyType({})


async def _send_with_commit(session: AsyncSession, changes: Sequence[Change], now: datetime) -> None:
    connection = await session.connection()
    driver: Any = (await connection.get_raw_connection()).driver_connection
    # SQLAlchemy sends BEGIN with a transaction's first statement: when these changes are the only one, no
    # transaction is open, and the DO block alone is a transaction of its own (the trailing BEGIN would
    # be one SQLAlchemy never ends).
    text = message(changes, now, with_commit=driver.is_in_transaction())
    sync = connection.sync_connection
    assert sync is not None
    context = _Context()
    listened = bool(sync.dispatch.before_cursor_execute)
    if listened:
        sync.dispatch.before_cursor_execute(sync, None, text, {}, context, False)
    try:
        await driver.execute(text)
    except Exception as error:
        refusal = _refusal(error, changes)
        if refusal is None:
            raise
        raise refusal from None
    finally:
        if listened:
            sync.dispatch.after_cursor_execute(sync, None, text, {}, context, False)


def _refusal(error: Exception, changes: Sequence[Change]) -> DomainError | None:
    """The INSUFFICIENT_STOCK of the change the DO block could not make, if that is what `error` says."""
    if getattr(error, "sqlstate", None) != "P0001" or getattr(error, "message", None) != SHORT:
        return None
    position, available = (int(part) for part in str(getattr(error, "detail", "")).split())
    change = changes[position]
    return insufficient(available, change.wanted, change.field)
