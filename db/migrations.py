"""Running Alembic migrations from code (`omnishop migrate`, `serve`, tests).

The migration scripts live in the top-level `alembic/` folder of the source tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Upgraded:
    """What an upgrade did, for the operator: from which revision (None: an empty database) to which."""

    before: str | None
    after: str | None
    applied: int


def alembic_config() -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> Upgraded:
    """Upgrade the database behind `engine` to `revision`."""
    cfg = alembic_config()

    def run(connection: Connection) -> Upgraded:
        before = MigrationContext.configure(connection).get_current_revision()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        after = MigrationContext.configure(connection).get_current_revision()
        applied = 0
        if after != before and after is not None:
            applied = sum(1 for _ in ScriptDirectory.from_config(cfg).iterate_revisions(after, before))
        return Upgraded(before, after, applied)

    async with engine.begin() as conn:
        return await conn.run_sync(run)


async def pending(engine: AsyncEngine) -> tuple[str | None, str | None]:
    """(the database's revision, the newest one) when they differ: the database needs `omnishop migrate`."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with engine.connect() as conn:
        current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    return (current, head) if current != head else (None, None)
