"""The migrations and the models never disagree, on SQLite and on PostgreSQL.

Each test gets its own throwaway, EMPTY database (a temporary SQLite file, or a fresh
`omnishop_migr_<hex>` database on the PostgreSQL server), migrates it with Alembic as
production does, and compares what the database holds with `Base.metadata`:

- Alembic's autogenerate comparison (tables, columns, types, nullability, indexes, unique
  and foreign-key constraints with their ON DELETE rules), with `compare_type=True` as
  `alembic/env.py` configures it;
- what that comparison does not look at: named CHECK constraints and partial-index
  predicates.

Migrations are reversible: every revision steps down and up again, and the whole history
goes down to base and back up to the models' schema.

These tests do not use the shared `engine` fixture (it truncates tables and is migrated
once per run); PostgreSQL cases are skipped when no server answers, unless
`OMNISHOP_TEST_POSTGRES_URL` says one should (then they fail).
"""

from __future__ import annotations

import pprint
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command
from db import product_search
from db.demo import seed_demo
from db.engine import create_engine
from db.migrations import alembic_config, upgrade
from db.models import DATABASE_ONLY_INDEXES, DATABASE_ONLY_TABLES, Base, Product, in_models
from tests import postgres

T = TypeVar("T")

# The options alembic/env.py passes to `context.configure` for comparisons.
COMPARE_OPTS: dict[str, Any] = {"compare_type": True, "include_object": in_models}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a brand-new database with no tables at all."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}")
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    async with postgres.throwaway_database("omnishop_migr", await postgres.require_server()) as url:
        engine = create_engine(url)
        try:
            yield engine
        finally:
            await engine.dispose()  # before the database is dropped


# --- helpers -------------------------------------------------------------------------------


async def _downgrade(engine: AsyncEngine, revision: str) -> None:
    """`alembic downgrade <revision>` on the database behind `engine` (as db.migrations.upgrade)."""
    cfg = alembic_config()

    def run(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def _inspect(engine: AsyncEngine, fn: Callable[[Connection], T]) -> T:
    async with engine.connect() as conn:
        return await conn.run_sync(fn)


def _schema_diff(conn: Connection) -> list[Any]:
    diff: list[Any] = compare_metadata(MigrationContext.configure(conn, opts=COMPARE_OPTS), Base.metadata)
    return diff


def _current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _model_tables(conn: Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names()) - {"alembic_version"}


def _revisions_base_to_head() -> list[tuple[str, str | None]]:
    """(revision, the one below it: "base" for the first, None for a merge point), oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    steps: list[tuple[str, str | None]] = []
    for rev in reversed(list(script.walk_revisions("base", "heads"))):
        below = rev.down_revision
        steps.append((rev.revision, "base" if below is None else below if isinstance(below, str) else None))
    return steps


def _is_partial(index: Any, dialect: str) -> bool:
    return index.get("dialect_options", {}).get(f"{dialect}_where") is not None


def _differences(what: str, migrated: dict[str, set[str]], models: dict[str, set[str]]) -> str:
    lines = [f"{what} differ between the migrated database and the models:"]
    for table in sorted(migrated.keys() | models.keys()):
        got, want = migrated.get(table, set()), models.get(table, set())
        if got != want:
            lines.append(f"  {table}: migrations have {sorted(got)}, models have {sorted(want)}")
    return "\n".join(lines)


async def _assert_matches_models(engine: AsyncEngine) -> None:
    diff = await _inspect(engine, _schema_diff)
    assert diff == [], (
        f"migrations and models disagree on {engine.dialect.name}; autogenerate would emit:\n"
        + pprint.pformat(diff, width=120)
    )


# --- tests ---------------------------------------------------------------------------------


def test_history_is_linear_with_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, f"several heads, merge them: {script.get_heads()}"
    assert len(script.get_bases()) == 1, f"several bases: {script.get_bases()}"


async def test_upgrade_head_on_an_empty_database_yields_the_models_schema(empty_engine: AsyncEngine) -> None:
    assert await _inspect(empty_engine, _model_tables) == set()

    await upgrade(empty_engine)

    assert await _inspect(empty_engine, _current_revision) == _revisions_base_to_head()[-1][0]
    await _assert_matches_models(empty_engine)


async def test_migrated_database_has_the_models_check_constraints_and_partial_indexes(
    empty_engine: AsyncEngine,
) -> None:
    # Alembic's comparison skips CHECK constraints and index predicates; look at them here.
    await upgrade(empty_engine)
    dialect = empty_engine.dialect.name

    def reflected(conn: Connection) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        insp = sa.inspect(conn)
        tables = _model_tables(conn) - DATABASE_ONLY_TABLES
        checks = {t: {str(c["name"]) for c in insp.get_check_constraints(t)} for t in tables}
        partial = {t: {str(i["name"]) for i in insp.get_indexes(t) if _is_partial(i, dialect)} for t in tables}
        return checks, partial

    checks, partial = await _inspect(empty_engine, reflected)

    model_checks = {
        t.name: {str(c.name) for c in t.constraints if isinstance(c, sa.CheckConstraint)}
        for t in Base.metadata.sorted_tables
    }
    model_partial = {
        t.name: {str(i.name) for i in t.indexes if i.dialect_options[dialect].get("where") is not None}
        for t in Base.metadata.sorted_tables
    }
    assert checks == model_checks, _differences("CHECK constraints", checks, model_checks)
    assert partial == model_partial, _differences("partial indexes", partial, model_partial)


async def test_the_search_table_and_its_trigram_index_exist_on_both_databases(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)

    def found(conn: Connection) -> tuple[set[str], set[str]]:
        insp = sa.inspect(conn)
        tables = _model_tables(conn) & DATABASE_ONLY_TABLES
        return tables, {str(i["name"]) for i in insp.get_indexes("product_search")}

    tables, indexes = await _inspect(empty_engine, found)
    assert "product_search" in tables
    assert indexes == (DATABASE_ONLY_INDEXES if empty_engine.dialect.name == "postgresql" else set())


async def test_migrations_are_reversible(empty_engine: AsyncEngine) -> None:
    # Stairway: each revision goes up, down to the one below, and up again.
    for revision, below in _revisions_base_to_head():
        await upgrade(empty_engine, revision)
        if below is None:  # a merge point has no single revision below it
            continue
        await _downgrade(empty_engine, below)
        assert await _inspect(empty_engine, _current_revision) == (None if below == "base" else below)
        await upgrade(empty_engine, revision)

    # The whole history down to base leaves no table of ours behind...
    await _downgrade(empty_engine, "base")
    assert await _inspect(empty_engine, _model_tables) == set()
    assert await _inspect(empty_engine, _current_revision) is None

    # ...and back up it is the models' schema again.
    await upgrade(empty_engine)
    await _assert_matches_models(empty_engine)


async def test_0019_puts_existing_attribute_values_in_the_search_text_and_takes_them_out_going_down(
    empty_engine: AsyncEngine,
) -> None:
    # Rows written as of 0018, in plain SQL (the models may have moved on since).
    await upgrade(empty_engine, "0018")
    async with empty_engine.begin() as conn:
        for n, (colour, size) in enumerate([("白色", "XL"), ("黑色", "M")], start=1):
            await conn.execute(
                sa.text(
                    "INSERT INTO products (id, name, slug, created_at, updated_at) "
                    "VALUES (:n, 'Tee', :slug, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"n": n, "slug": f"tee-{n}"},
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO product_variants (id, product_id, sku, name, created_at) "
                    "VALUES (:n, :n, :sku, 'One size', CURRENT_TIMESTAMP)"
                ),
                {"n": n, "sku": f"TEE-{n}"},
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO variant_attributes (variant_id, product_id, name, value) "
                    "VALUES (:n, :n, 'colour', :colour), (:n, :n, 'size', :size)"
                ),
                {"n": n, "colour": colour, "size": size},
            )

    async def found(*terms: str) -> set[int]:
        async with empty_engine.connect() as conn:
            where = product_search.matching(terms, empty_engine.dialect.name)
            return set((await conn.scalars(sa.select(Product.id).where(where))).all())

    assert await found("白色") == set()
    await upgrade(empty_engine, "0019")
    assert await found("白色") == {1}
    assert await found("tee", "m") == {2}
    assert await found("one", "size") == {1, 2}  # the rest of the text as it was

    await _downgrade(empty_engine, "0018")
    assert await found("白色") == set()
    assert await found("one", "size") == {1, 2}


async def test_0028_counts_the_published_listings_already_there(empty_engine: AsyncEngine) -> None:
    await upgrade(empty_engine)
    await seed_demo(empty_engine, products=20, seed=1, promotions=False, settlement=False)
    published = "SELECT channel_id, count(*) FROM product_channel_listings WHERE is_published GROUP BY channel_id"
    kept = "SELECT channel_id, sum(delta) FROM published_product_counts GROUP BY channel_id"
    await _downgrade(empty_engine, "0027")
    async with empty_engine.begin() as conn:  # written while no trigger counts
        flip = "UPDATE product_channel_listings SET is_published = NOT is_published WHERE id % 3 = 0"
        await conn.execute(sa.text(flip))
    await upgrade(empty_engine, "0028")
    async with empty_engine.connect() as conn:
        expected = {c: int(n) for c, n in (await conn.execute(sa.text(published))).all()}
        assert len(expected) == 2
        assert {c: int(n) for c, n in (await conn.execute(sa.text(kept))).all()} == expected
