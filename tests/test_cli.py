"""The `omnishop` command as an operator meets it: one clear line and a non-zero exit for what they must
fix (bad settings, a database that is missing or down, no SECRET_KEY), what `migrate` did, `--version`,
help without type labels on flags, and a `.env.example` that lists every setting."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from typer.testing import CliRunner

from api import __version__
from api.cli import app
from api.settings import Settings
from schema.relay import to_global_id

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql://postgres@127.0.0.1:5432"
SECRET = "x" * 40


def omnishop(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command, in an empty folder (no .env) with only `env` set besides the basics."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [sys.executable, "-c", "from api.cli import app; app(prog_name='omnishop')", *args],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _require_postgres() -> None:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")


def _admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(f"{PG}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    _require_postgres()
    name = f"omnishop_cli_{os.getpid()}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        pytest.param(
            ("migrate",),
            {"DATABASE_URL": f"{PG}/omnishop_no_such_db"},
            r'^The database "omnishop_no_such_db" does not exist on PostgreSQL at 127\.0\.0\.1:5432: create it',
            marks=pytest.mark.postgres,
        ),
        (
            ("seed", "--demo"),
            {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"},
            r"^Cannot reach PostgreSQL at 127\.0\.0\.1:1: .*Start PostgreSQL or fix the host and port in DATABASE_URL\.$",  # noqa: E501
        ),
        (
            ("serve",),
            {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x", "SECRET_KEY": SECRET},
            r"^Cannot reach PostgreSQL at 127\.0\.0\.1:1: ",
        ),
        (
            ("migrate",),
            {"DATABASE_URL": "sqlite:///no/such/folder/shop.db"},
            r"^The folder no/such/folder of the SQLite database no/such/folder/shop.db does not exist: create it",
        ),
        (("serve",), {}, r"^SECRET_KEY is not set\. Set it to a random string"),
        (
            ("migrate",),
            {"ACCESS_TOKEN_MINUTES": "soon", "REQUEST_ERROR_STATUS": "500"},
            r"^ACCESS_TOKEN_MINUTES: Input should be a valid integer.*\(got 'soon'\)\. Fix it in the environment or in "
            r"\.env\.\nREQUEST_ERROR_STATUS: Value error, must be one of 400, 422 \(got '500'\)\. Fix it",
        ),
    ],
    ids=[
        "pg-database-missing",
        "pg-down-seed",
        "pg-down-serve",
        "sqlite-folder-missing",
        "no-secret-key",
        "bad-settings",
    ],
)
def test_operator_errors_are_one_line_each(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], expected: str
) -> None:
    if "127.0.0.1:5432" in env.get("DATABASE_URL", ""):
        _require_postgres()
    done = omnishop(tmp_path, *args, **env)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert re.search(expected, done.stderr), done.stderr
    assert len(done.stderr.splitlines()) == expected.count(r"\n") + 1  # one line per problem
    assert "startup complete" not in done.stderr.lower()


@pytest.mark.postgres
def test_serve_refuses_an_unmigrated_postgres_database(tmp_path: Path, empty_postgres: str) -> None:
    """`serve` does not migrate PostgreSQL itself: it says so instead of serving errors."""
    done = omnishop(tmp_path, "serve", DATABASE_URL=empty_postgres, SECRET_KEY=SECRET)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert re.fullmatch(
        r"The database is at migration \(none\) and this version needs \d{4}: run `omnishop "
        r"migrate` first\.\n",
        done.stderr,
    ), done.stderr


def test_migrate_says_what_it_did(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}"}
    first, again = omnishop(tmp_path, "migrate", **env), omnishop(tmp_path, "migrate", **env)
    head = sorted(p.name for p in (ROOT / "alembic" / "versions").glob("[0-9]*.py"))
    assert first.returncode == again.returncode == 0, first.stderr + again.stderr
    assert first.stderr.strip() == f"Migrated to {head[-1][:4]} ({len(head)} migrations applied)."
    assert again.stderr.strip() == f"The database is up to date (at {head[-1][:4]})."


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"omnishop {__version__}\n"


def test_webhooks_deliver_once_delivers_what_is_due_and_exits(tmp_path: Path) -> None:
    done = omnishop(tmp_path, "webhooks-deliver", "--once", DATABASE_URL=f"sqlite:///{tmp_path / 'shop.db'}")
    assert done.returncode == 0, done.stderr
    assert "Made 0 webhook delivery attempts." in done.stdout + done.stderr


def test_webhooks_purge_purges_once_and_refuses_a_retention_of_zero(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}"}
    done = omnishop(tmp_path, "webhooks-purge", **env)
    assert done.returncode == 0, done.stderr
    assert "Purged 0 webhook deliveries." in done.stdout + done.stderr
    kept = omnishop(tmp_path, "webhooks-purge", WEBHOOK_DELIVERY_RETENTION_DAYS="0", **env)
    assert kept.returncode == 1
    assert kept.stderr.strip() == "WEBHOOK_DELIVERY_RETENTION_DAYS is 0: webhook deliveries are kept for ever."


def test_reports_rebuild_recounts_the_order_history(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}"}
    seeded = omnishop(tmp_path, "seed", "--demo", "--products", "20", "--members", "5", "--orders", "30", **env)
    assert seeded.returncode == 0, seeded.stderr
    done = omnishop(tmp_path, "reports-rebuild", **env)
    assert done.returncode == 0, done.stderr
    counted = re.search(r"Counted (\d+) order events into the reports\.", done.stdout + done.stderr)
    assert counted and 30 < int(counted.group(1)) <= 60, done.stdout + done.stderr  # a PAID event each, and an end


def test_settlement_export_writes_a_header_and_refuses_what_is_not_a_statements_id(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}"}
    empty = omnishop(tmp_path, "settlement-export", "--statement", to_global_id("SettlementStatement", 1), **env)
    assert empty.returncode == 0 and empty.stdout.startswith("entry,order,sku,party,role,event,amount"), empty.stderr
    wrong = omnishop(tmp_path, "settlement-export", "--statement", "nope", **env)
    assert wrong.returncode == 1 and wrong.stderr.strip() == "'nope' is not a settlement statement's id."


COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)])
def test_help_has_no_type_labels(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and not re.search(r"<(bool|int|str|int range)>", result.output), result.output


def test_env_example_lists_every_setting() -> None:
    """Each setting once, as `# NAME=default` (or `NAME=value`) under a comment that says what it is."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    listed = {}
    for i, line in enumerate(lines):
        if match := re.match(r"^#? ?([A-Z][A-Z0-9_]*)=", line):
            assert match[1] not in listed, f"{match[1]} twice"
            assert lines[i - 1].startswith("# ") and "=" not in lines[i - 1].split()[1], f"{match[1]}: no comment"
            listed[match[1]] = i
    assert set(listed) == {name.upper() for name in Settings.model_fields}, "regenerate .env.example from Settings"
