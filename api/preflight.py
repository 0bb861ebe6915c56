"""What the command line checks before it works, and the one line it prints when the operator must act.

An operator who got a setting wrong or whose database is not there needs what is wrong and what to
do, not a driver's traceback: `OperatorError` carries that line (one per bad setting), and the CLI
prints it and exits non-zero. Errors after these checks are bugs and keep their traceback.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from api.settings import Settings
from db.engine import create_engine

CONNECT_TIMEOUT_SECONDS = 10.0


class OperatorError(Exception):
    """Something the operator has to fix; the message says what is wrong and what to do."""


def load_settings() -> Settings:
    """The settings, or one line per bad value naming its environment variable."""
    try:
        return Settings()
    except ValidationError as e:
        lines = []
        for error in e.errors(include_url=False):
            name = "_".join(str(part) for part in error["loc"][:1]).upper() or "settings"
            got = f" (got {error['input']!r})" if isinstance(error.get("input"), str | int | float) else ""
            lines.append(f"{name}: {error['msg']}{got}. Fix it in the environment or in .env.")
        raise OperatorError("\n".join(lines)) from None


def _missing_folder(database: str | None) -> str | None:
    """The line for a SQLite file whose folder does not exist (SQLite would only say "unable to open")."""
    path = Path(database or "")
    if not database or database == ":memory:" or path.parent.is_dir():
        return None
    return (
        f"The folder {path.parent} of the SQLite database {path} does not exist: create it, "
        "or point DATABASE_URL at a file in an existing folder."
    )


def describe_database_error(url: str, error: BaseException) -> str | None:
    """The operator's line for a failure to connect to `url`; None when `error` is not one."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if isinstance(error, exc.OperationalError):
            return _missing_folder(parsed.database) or (
                f"Cannot open the SQLite database {parsed.database}: {error.orig}. Check DATABASE_URL and the "
                "file's rights."
            )
        return None
    where = f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}"
    if isinstance(error, socket.gaierror):
        return f"Cannot reach {where}: unknown host. Fix the host in DATABASE_URL."
    if isinstance(error, TimeoutError):
        return f"Cannot reach {where}: no answer in {CONNECT_TIMEOUT_SECONDS:.0f} s. Start it or fix DATABASE_URL."
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        return f"Cannot reach {where}: {reason.lower()}. Start PostgreSQL or fix the host and port in DATABASE_URL."
    if isinstance(error, exc.DBAPIError):
        reason = str(error.orig).strip()
        if "does not exist" in reason and f'database "{parsed.database}"' in reason:
            return (
                f'The database "{parsed.database}" does not exist on {where}: create it (e.g. `createdb '
                f"-h {parsed.host or 'localhost'} -U {parsed.username or 'postgres'} {parsed.database}`) "
                "or fix DATABASE_URL."
            )
        if "prepared statement" in reason and "already exists" in reason:  # asyncpg's numbered names collided
            return (
                f"{where} is shared by other clients per transaction (PgBouncer in transaction mode?): {reason}. "
                "Add `?pgbouncer=true` to DATABASE_URL."
            )
        return f"{where} refused the connection: {reason}. Fix the user, password or database in DATABASE_URL."
    return None


async def check_database(engine: AsyncEngine, url: str) -> None:
    """Connect once; `OperatorError` if the database cannot be reached."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and (line := _missing_folder(parsed.database)):
        raise OperatorError(line)  # checked first: aiosqlite's thread outlives a failed connect and complains
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS), engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except (OSError, exc.DBAPIError) as e:
        line = describe_database_error(url, e)
        if line is None:
            raise
        raise OperatorError(line) from None


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on `url` that has been seen to connect; disposed of on the way out."""
    try:
        engine = create_engine(url)
    except ValueError as e:  # a malformed option of the URL (`pgbouncer=maybe`)
        raise OperatorError(str(e)) from None
    try:
        await check_database(engine, url)
        yield engine
    finally:
        await engine.dispose()
